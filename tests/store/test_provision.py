"""Provisioning: the example applies, applying twice changes nothing, bad files say where."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, MetaData, select, update

from helin.acd.model import OverflowKind, Policy
from helin.store.accounts import digest_ha1, verify_password
from helin.store.db import make_engine, session_factory
from helin.store.provisioning.file import ProvisionError, provision_file
from helin.store.tables import (
    Device,
    Group,
    Membership,
    Number,
    PauseReason,
    Tenant,
    Trunk,
    User,
)
from helin.store.tables.enums import DeviceKind
from tests.store.conftest import EXAMPLE

TEXT = EXAMPLE.read_text(encoding="utf-8")


def snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to prove that nothing changed."""
    engine = make_engine(url)
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        with engine.connect() as connection:
            return {
                name: sorted(tuple(map(str, row)) for row in connection.execute(table.select()))
                for name, table in metadata.tables.items()
            }
    finally:
        engine.dispose()


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "provision.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, needle: str) -> int:
    """1-based line where the first ``needle`` (which may span lines) starts."""
    assert needle in text, needle
    return text[: text.index(needle)].count("\n") + 1


def counts(summary: Any) -> dict[str, tuple[int, int, int]]:
    return {k: (c.created, c.updated, c.removed) for k, c in summary.counts.items()}


def test_the_example_file_applies(migrated_url: str, engine: Engine) -> None:
    summary = provision_file(migrated_url, EXAMPLE)
    assert counts(summary) == {
        "tenants": (1, 0, 0),
        "users": (5, 0, 0),
        "devices": (6, 0, 0),
        "numbers": (5, 0, 0),
        "trunks": (1, 0, 0),
        "groups": (2, 0, 0),
        "members": (5, 0, 0),
        "pause_reasons": (3, 0, 0),
        "dispositions": (3, 0, 0),
    }
    assert str(summary).splitlines()[0] == "tenants: 1 created, 0 updated"
    with session_factory(engine)() as session:
        tenant = session.scalars(select(Tenant)).one()
        assert (tenant.name, tenant.call_center, tenant.recording) == ("Example OÜ", True, True)
        jaan = session.scalars(select(User).where(User.username == "jaan")).one()
        assert jaan.agent and not jaan.manager and jaan.presented_number == "+3726001000"
        assert verify_password(jaan.password_hash, "agent-pass-1")
        maria = session.scalars(select(User).where(User.username == "maria")).one()
        assert (maria.manager, maria.tenant_admin, maria.agent) == (True, True, False)
        device = session.scalars(select(Device).where(Device.sip_username == "jaan-mobile")).one()
        assert device.kind is DeviceKind.MOBILE
        assert (device.ha1_md5, device.ha1_sha256) == digest_ha1(
            "jaan-mobile", "example.helin.test", "sip-secret-jaan-1"
        )
        kinds = set(session.scalars(select(Device.kind)))
        assert kinds == {DeviceKind.MOBILE, DeviceKind.SOFTPHONE, DeviceKind.IP_PHONE}
        trunk = session.scalars(select(Trunk)).one()
        assert [p.address for p in trunk.peers] == ["127.0.0.1"]
        assert trunk.ha1_md5 == digest_ha1("carrier", "helin", "trunk-secret-1")[0]
        support, sales = (
            session.scalars(select(Group).where(Group.name == n)).one()
            for n in ("Support", "Sales")
        )
        assert support.policy is Policy.UNIFORM and sales.policy is Policy.REGULAR
        assert [n.e164 for n in support.numbers] == ["+3726001000", "+3726001001"]
        assert [(h.weekday, h.start_minute, h.end_minute) for h in support.weekly_hours] == [
            (day, 480, 1020) for day in range(5)
        ]
        assert support.holiday_country == "EE" and support.timezone == "Europe/Tallinn"
        assert [
            (str(e.day), [(r.start_minute, r.end_minute) for r in e.ranges])
            for e in support.exceptions
        ] == [("2026-12-23", [(480, 780)]), ("2026-12-29", [])]
        assert (support.on_timeout_kind, support.on_timeout_target) == (
            OverflowKind.FORWARD_GROUP,
            str(sales.id),
        )
        assert (sales.on_no_agents_kind, sales.on_no_agents_target) == (
            OverflowKind.FORWARD_GROUP,
            str(support.id),
        )
        assert support.ring_timeout == 20 and support.announce_position
        assert support.max_queue_length == 20 and sales.max_queue_length == 50  # default
        assert [(m.user.username, m.ring_order, m.weight) for m in sales.memberships] == [
            ("peeter", 1, 1),
            ("kadri", 2, 2),
        ]
        assert [m.user.username for m in support.memberships] == ["jaan", "liis", "kadri"]


def test_applying_twice_changes_nothing(migrated_url: str) -> None:
    provision_file(migrated_url, EXAMPLE)
    before = snapshot(migrated_url)
    summary = provision_file(migrated_url, EXAMPLE)
    assert not summary.changed
    assert all(
        line.split(": ", 1)[1].startswith("0 created, 0 updated")
        for line in str(summary).splitlines()
    )
    assert snapshot(migrated_url) == before


def test_no_password_is_stored_in_plaintext(migrated_url: str) -> None:
    provision_file(migrated_url, EXAMPLE)
    secrets = re.findall(r'password: "([^"]+)"', TEXT)
    assert len(secrets) == 12
    dump = repr(snapshot(migrated_url))
    assert [s for s in secrets if s in dump] == []


def test_dry_run_counts_but_writes_nothing(migrated_url: str) -> None:
    before = snapshot(migrated_url)
    summary = provision_file(migrated_url, EXAMPLE, dry_run=True)
    assert str(summary).startswith("dry run, nothing written:")
    assert summary.counts["users"].created == 5
    assert snapshot(migrated_url) == before


def test_changes_are_applied_and_counted(migrated_url: str, engine: Engine, tmp_path: Path) -> None:
    provision_file(migrated_url, EXAMPLE)
    with session_factory(engine).begin() as session:  # an agent logs in between runs
        session.execute(update(Membership).values(logged_in=True))
    changed = (
        TEXT.replace("policy: uniform", "policy: circular")
        .replace('numbers: ["+3726001000", "+3726001001"]', 'numbers: ["+3726001000"]')
        .replace('numbers: ["+3726002000"]', 'numbers: ["+3726002000", "+3726001001"]')
        .replace("label: desk phone, room 2", "label: desk phone, room 3")
        .replace(
            "          - kind: softphone\n            sip_username: jaan-desktop\n"
            '            password: "sip-secret-jaan-2"\n',
            "",
        )
        .replace("          - kadri\n", "")
        .replace("{code: 2, name: Training}", "{code: 2, name: Training, active: false}")
    )
    summary = provision_file(migrated_url, write(tmp_path, changed))
    assert counts(summary) == {
        "tenants": (0, 0, 0),
        "users": (0, 0, 0),
        "devices": (0, 1, 1),
        "numbers": (0, 1, 0),
        "trunks": (0, 0, 0),
        "groups": (0, 1, 0),
        "members": (0, 0, 1),
        "pause_reasons": (0, 1, 0),
        "dispositions": (0, 0, 0),
    }
    with session_factory(engine)() as session:
        support, sales = (
            session.scalars(select(Group).where(Group.name == n)).one()
            for n in ("Support", "Sales")
        )
        assert support.policy is Policy.CIRCULAR
        assert [n.e164 for n in sales.numbers] == ["+3726001001", "+3726002000"]
        assert [m.user.username for m in support.memberships] == ["jaan", "liis"]
        assert all(m.logged_in for m in support.memberships)  # provisioning keeps logins
        assert session.scalar(select(Device).where(Device.sip_username == "jaan-desktop")) is None
        reasons = session.scalars(select(PauseReason).order_by(PauseReason.code))
        assert [(r.code, r.name, r.active) for r in reasons] == [
            (1, "Lunch", True),
            (2, "Training", False),
            (3, "Back office", True),
        ]
    assert not provision_file(migrated_url, write(tmp_path, changed)).changed


def _case(old: str, new: str, needle: str, expected: str, first: str = "") -> Any:
    """``old`` -> ``new`` in the example must fail at the line of ``needle`` with ``expected``,
    in which ``{first}`` is the line of the ``first`` needle."""
    assert old in TEXT, old
    return pytest.param(old, new, needle, expected, first, id=expected.split(":")[0])


BROKEN = [
    _case(
        "policy: uniform",
        "policy: fastest",
        "policy: fastest",
        "tenants[0].groups[0].policy: must be one of simultaneous, regular, circular, uniform,"
        " weighted",
    ),
    _case(
        'mon-fri: "08:00-17:00"',
        'mon-fri: "17:00-08:00"',
        "17:00-08:00",
        "tenants[0].groups[0].hours.mon-fri: 17:00-08:00 must start before it ends",
    ),
    _case(
        "          - liis\n",
        "          - lisa\n",
        "- lisa",
        "tenants[0].groups[0].members[1].user: no user 'lisa' in tenant 'Example OÜ'",
    ),
    _case(
        'numbers: ["+3726002000"]',
        'numbers: ["+3726001001"]',
        'numbers: ["+3726001001"]',
        "tenants[0].groups[1].numbers[0]: number '+3726001001' is already used at line {first}",
        first='"+3726001001"',
    ),
    _case(
        "- name: Sales",
        "- name: Sales: Team",
        "Sales: Team",
        "YAML syntax error: mapping values are not allowed here",
    ),
    _case(
        "ring_timeout: 15",
        "ring_timeout: soon",
        "ring_timeout: soon",
        "tenants[0].groups[1].queue.ring_timeout: must be a number",
    ),
    _case(
        "    sip_domain: example.helin.test",
        "    # no domain",
        "- name: Example OÜ",
        "tenants[0].sip_domain: is required",
    ),
    _case(
        "    policy: regular",
        "    polcy: regular",
        "polcy",
        "tenants[0].groups[1].polcy: is not a known field",
    ),
    _case(
        'numbers: ["+37251000002"]',
        "numbers: [+37251000002]",
        "[+37251000002]",
        "tenants[0].users[2].numbers[0]: put phone numbers in quotes",
    ),
    _case(
        "target: Sales",
        "target: Marketing",
        "target: Marketing",
        "tenants[0].groups[0].overflow.timeout.target: no group 'Marketing' in tenant",
    ),
    _case(
        "policy: uniform",
        "policy: uniform\n        policy: regular",
        "policy: regular",
        "tenants[0].groups[0].policy: key 'policy' is repeated",
    ),
    _case(
        'presented_number: "+3726002000"',
        'presented_number: "+3726009999"',
        "+3726009999",
        "tenants[0].users[3].presented_number: +3726009999 is not a group number of tenant",
    ),
    _case(
        "          - jaan\n",
        "          - maria\n",
        "- maria",
        "tenants[0].groups[0].members[0].user: user 'maria' does not have the agent right",
    ),
    _case(
        '            password: "sip-secret-kadri-2"\n',
        "",
        "- kind: ip_phone\n            sip_username: kadri-desk",
        "tenants[0].users[4].devices[1]: a new device needs a password",
    ),
    _case(
        "call_center: true",
        "call_center: false",
        "rights: [manager, tenant_admin]",
        "tenants[0].users[0].rights: agent and manager need the call_center add-on",
    ),
    _case(
        "recording_retention_days: 30",
        "recording_retention_days: 45",
        "retention_days: 45",
        "tenants[0].recording_retention_days: must be one of 30, 60",
    ),
    _case(
        "version: 1",
        "version: [1",
        "trunks:",
        "YAML syntax error: expected ',' or ']', but got ':'"
        " (while parsing a flow sequence at line {first})",
        first="version: [1",
    ),
]


@pytest.mark.parametrize(("old", "new", "needle", "expected", "first"), BROKEN)
def test_a_broken_file_names_line_and_field_and_changes_nothing(
    migrated_url: str, tmp_path: Path, old: str, new: str, needle: str, expected: str, first: str
) -> None:
    broken = TEXT.replace(old, new, 1)
    if first:
        expected = expected.format(first=line_of(broken, first))
    before = snapshot(migrated_url)
    with pytest.raises(ProvisionError) as caught:
        provision_file(migrated_url, write(tmp_path, broken))
    line = line_of(broken, needle)
    wanted = f"provision.yaml:{line}: {expected}"
    assert any(problem.startswith(wanted) for problem in caught.value.problems), (
        f"{wanted!r} not in {caught.value.problems}"
    )
    assert str(caught.value).startswith("provision.yaml:")
    assert snapshot(migrated_url) == before


def test_an_error_found_late_undoes_the_changes_made_before_it(
    migrated_url: str, tmp_path: Path
) -> None:
    provision_file(migrated_url, EXAMPLE)
    before = snapshot(migrated_url)
    broken = (
        TEXT.replace("display_name: Maria Tamm", "display_name: Maria Kask")
        .replace("policy: uniform", "policy: weighted")
        .replace('numbers: ["+3726002000"]', 'numbers: ["+3726002000", "+3726002001"]')
        .replace("          - liis\n", "          - lisa\n")
    )
    with pytest.raises(ProvisionError, match=r"members\[1\]\.user: no user 'lisa'"):
        provision_file(migrated_url, write(tmp_path, broken))
    assert snapshot(migrated_url) == before


def test_a_number_owned_outside_the_file_is_refused(migrated_url: str, tmp_path: Path) -> None:
    provision_file(migrated_url, EXAMPLE)
    before = snapshot(migrated_url)
    other = (
        "tenants:\n"
        "  - name: Other AS\n"
        "    sip_domain: other.helin.test\n"
        "    call_center: true\n"
        "    groups:\n"
        "      - name: Help\n"
        '        numbers: ["+3726001000"]\n'
    )
    with pytest.raises(ProvisionError) as caught:
        provision_file(migrated_url, write(tmp_path, other))
    assert caught.value.problems == [
        "provision.yaml:7: tenants[0].groups[0].numbers[0]: +3726001000 already belongs to"
        " group 'Support' of tenant 'Example OÜ'"
    ]
    assert snapshot(migrated_url) == before


def test_a_username_of_another_tenant_is_refused(migrated_url: str, tmp_path: Path) -> None:
    provision_file(migrated_url, EXAMPLE)
    other = (
        "tenants:\n  - name: Other AS\n    sip_domain: o.test\n    users:\n      - username: jaan\n"
    )
    with pytest.raises(
        ProvisionError,
        match=r"provision.yaml:5: tenants\[0\].users\[0\]"
        r".username: 'jaan' is already a user of another tenant",
    ):
        provision_file(migrated_url, write(tmp_path, other))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "provision.yaml:1: the file is empty"),
        ("- just\n- a list\n", "provision.yaml:1: the file must be a mapping"),
        ("version: 2\n", "provision.yaml:1: version: must be one of 1"),
        (
            "tenants:\n  - name: X\n    sip_domain: bad domain\n",
            "provision.yaml:3: tenants[0].sip_domain: 'bad domain' is not a domain name",
        ),
    ],
)
def test_odd_documents(sqlite_url: str, tmp_path: Path, text: str, expected: str) -> None:
    from helin.store.db import migrate

    migrate(sqlite_url)
    with pytest.raises(ProvisionError) as caught:
        provision_file(sqlite_url, write(tmp_path, text))
    assert str(caught.value).startswith(expected)


def test_a_missing_file_or_database_is_a_provision_error(sqlite_url: str, tmp_path: Path) -> None:
    with pytest.raises(ProvisionError, match="cannot read"):
        provision_file(sqlite_url, tmp_path / "missing.yaml")
    with pytest.raises(ProvisionError, match="helin setup"):
        provision_file(sqlite_url, EXAMPLE)


def test_an_existing_device_keeps_its_digest_without_a_password(
    migrated_url: str, engine: Engine, tmp_path: Path
) -> None:
    provision_file(migrated_url, EXAMPLE)
    without = TEXT.replace('            password: "sip-secret-liis-1"\n', "")
    assert not provision_file(migrated_url, write(tmp_path, without)).changed
    with session_factory(engine)() as session:
        device = session.scalars(select(Device).where(Device.sip_username == "liis-desk")).one()
        assert (
            device.ha1_md5 == digest_ha1("liis-desk", "example.helin.test", "sip-secret-liis-1")[0]
        )
    # A new SIP domain changes every HA1, so every device's password must come with it.
    moved = without.replace("sip_domain: example.helin.test", "sip_domain: example2.helin.test")
    with pytest.raises(ProvisionError, match="give the password of liis-desk"):
        provision_file(migrated_url, write(tmp_path, moved))


def test_numbers_in_the_summary_include_user_numbers(migrated_url: str) -> None:
    summary = provision_file(migrated_url, EXAMPLE)
    engine = make_engine(migrated_url)
    try:
        with session_factory(engine)() as session:
            owned = {(n.e164, n.group_id is None) for n in session.scalars(select(Number))}
    finally:
        engine.dispose()
    assert ("+37251000001", True) in owned and ("+3726002000", False) in owned
    assert summary.counts["numbers"].created == len(owned) == 5


def test_pause_reason_codes_are_checked(migrated_url: str, tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    for code, says in ((1, "codes listed twice: [1]"), (100, "99")):
        bad = text.replace("{code: 3, name: Back office}", f"{{code: {code}, name: Back office}}")
        with pytest.raises(ProvisionError) as raised:
            provision_file(migrated_url, write(tmp_path, bad))
        assert says in str(raised.value.problems), raised.value.problems
