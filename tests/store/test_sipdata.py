"""The SIP side's store functions: phones, trunk peers, registrations round-trip."""

from __future__ import annotations

from pathlib import Path

from helin.store import db, runtime
from helin.store.provisioning.file import provision_file

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "provision.yaml"


def test_phones_trunks_and_registrations(db_url: str) -> None:
    db.migrate(db_url)
    provision_file(db_url, EXAMPLE)
    sessions = db.session_factory(db.make_engine(db_url))
    with sessions() as session:
        devices = {d.sip_username: d for d in runtime.phones.load_devices(session)}
        realms = runtime.phones.load_realms(session)
        peers = runtime.phones.load_trunk_peers(session)
    jaan = devices["jaan-mobile"]
    assert jaan.realm == "example.helin.test" and jaan.realm in realms
    assert len(jaan.ha1_md5) == 32 and len(jaan.ha1_sha256) == 64
    assert peers and all(name for name, _ in peers)
    row = runtime.phones.RegistrationRow(
        device_id=jaan.id,
        contact="sip:jaan-mobile@127.0.0.1:5070",
        host="127.0.0.1",
        port=5070,
        transport="UDP",
        expires_at=2_000_000_000.0,
        call_id="reg@phone",
        cseq=3,
        user_agent="test",
    )
    with sessions.begin() as session:
        runtime.phones.save_registrations(session, [row], [])
    with sessions.begin() as session:  # a refresh replaces the row; any iterable will do
        runtime.phones.save_registrations(session, iter([row]), iter([]))
    with sessions() as session:
        assert runtime.phones.load_registrations(session) == [row]
    with sessions.begin() as session:
        runtime.phones.save_registrations(session, [], [row])
    with sessions() as session:
        assert runtime.phones.load_registrations(session) == []
