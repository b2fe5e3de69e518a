"""What a dialled number means, decided without sockets: every branch of ``route``."""

from __future__ import annotations

import pytest

from helin.acd import events as ev
from helin.directory import GroupEntry, UserEntry
from helin.switch.calls.numbers import Directory
from helin.switch.calls.route import (
    UNKNOWN_CODE,
    CallOut,
    Feature,
    FromPhone,
    FromTrunk,
    Refuse,
    ToGroup,
    ToUser,
    route,
)

TRUNK = "sip:trunk.example.test:5060"
SUPPORT = GroupEntry(
    id="1",
    name="Support",
    tenant_id="1",
    numbers=("+3726000100",),
    record=True,
    dispositions=(1, 2),
)
SALES = GroupEntry(id="2", name="Sales", tenant_id="1", numbers=("+3726000200",), record=True)
ELSEWHERE = GroupEntry(id="3", name="Other", tenant_id="2", numbers=("+3726000300",), record=False)


def user(
    id: str = "7",
    *,
    tenant_id: str = "1",
    numbers: tuple[str, ...] = ("+3725000007",),
    groups: tuple[str, ...] = ("1",),
    presented: str | None = None,
) -> UserEntry:
    return UserEntry(
        id=id,
        name=f"user {id}",
        tenant_id=tenant_id,
        numbers=numbers,
        groups=groups,
        presented_number=presented,
        record=True,
        pause_reasons=((1, "31"), (7, "37")) if tenant_id == "1" else ((1, "41"),),
    )


ANN = user()
BOB = user("8", numbers=("+3725000008",))
EVE = user("9", tenant_id="2", numbers=("+3725000009",), groups=("3",))
LONER = user("10", numbers=("+3725000010",), groups=())
SALES_AGENT = user("11", numbers=("+3725000011",), groups=("1", "2"), presented="+3726000200")
NO_NUMBER = user("12", numbers=())

DIRECTORY = Directory(
    [SUPPORT, SALES, ELSEWHERE],
    [ANN, BOB, EVE, LONER, SALES_AGENT, NO_NUMBER],
    outbound_uri=TRUNK,
)
CUSTOMER = FromTrunk(caller="+3725550001")


def phone(entry: UserEntry) -> FromPhone:
    return FromPhone(user_id=entry.id)


# -- from a trunk -------------------------------------------------------------------------


def test_a_group_number_from_the_trunk_is_a_group_call() -> None:
    assert route(DIRECTORY, CUSTOMER, "+372 600-0100") == ToGroup(
        group=SUPPORT, caller="+3725550001", number="+3726000100"
    )


def test_a_user_number_from_the_trunk_is_a_direct_call() -> None:
    assert route(DIRECTORY, CUSTOMER, "003725000007") == ToUser(
        user=ANN, caller="+3725550001", number="+3725000007"
    )


@pytest.mark.parametrize("dialled", ["+3729999999", "*40", "*82*+3728000000", ""])
def test_anything_else_from_the_trunk_is_not_found(dialled: str) -> None:
    assert route(DIRECTORY, CUSTOMER, dialled) == Refuse(status=404, reason="No such number")


def test_every_company_can_be_called_from_the_trunk() -> None:
    assert route(DIRECTORY, CUSTOMER, "+3726000300") == ToGroup(
        group=ELSEWHERE, caller="+3725550001", number="+3726000300"
    )


# -- from a phone: colleagues and groups ---------------------------------------------------


def test_a_phone_calling_a_group_shows_the_users_own_number() -> None:
    assert route(DIRECTORY, phone(BOB), "+3726000100") == ToGroup(
        group=SUPPORT, caller="+3725000008", number="+3726000100"
    )


def test_a_phone_calling_a_colleague_is_a_direct_call() -> None:
    assert route(DIRECTORY, phone(BOB), "+372 5000 007") == ToUser(
        user=ANN, caller="+3725000008", number="+3725000007"
    )


def test_a_user_without_a_number_calls_a_group_anonymously() -> None:
    assert route(DIRECTORY, phone(NO_NUMBER), "+3726000100") == ToGroup(
        group=SUPPORT, caller="", number="+3726000100"
    )


def test_another_companys_numbers_are_called_out_through_the_trunk() -> None:
    assert route(DIRECTORY, phone(ANN), "+3726000300") == CallOut(
        user=ANN, number="+3726000300", presented="+3725000007", group=None, trunk=TRUNK
    )
    assert route(DIRECTORY, phone(ANN), "+3725000009") == CallOut(
        user=ANN, number="+3725000009", presented="+3725000007", group=None, trunk=TRUNK
    )


def test_a_phone_whose_user_is_not_in_the_directory_is_refused() -> None:
    refused = Refuse(status=403, reason="No calls from this phone")
    assert route(DIRECTORY, FromPhone(user_id="404"), "+3726000100") == refused


# -- from a phone: calls out ---------------------------------------------------------------


def test_a_plain_number_is_called_out_showing_the_own_number() -> None:
    assert route(DIRECTORY, phone(ANN), "+372 800-0000") == CallOut(
        user=ANN, number="+3728000000", presented="+3725000007", group=None, trunk=TRUNK
    )


def test_a_call_out_shows_the_presented_number_setting() -> None:
    assert route(DIRECTORY, phone(SALES_AGENT), "+3728000000") == CallOut(
        user=SALES_AGENT, number="+3728000000", presented="+3726000200", group=SALES, trunk=TRUNK
    )


def test_a_presented_number_setting_of_a_group_not_ones_own_is_ignored() -> None:
    stray = user("13", numbers=("+3725000013",), presented="+3726000300")
    directory = Directory([SUPPORT, ELSEWHERE], [stray], outbound_uri=TRUNK)
    assert route(directory, phone(stray), "+3728000000") == CallOut(
        user=stray, number="+3728000000", presented="+3725000013", group=None, trunk=TRUNK
    )


def test_the_one_call_prefix_shows_a_groups_number() -> None:
    assert route(DIRECTORY, phone(SALES_AGENT), "*81*+3728000000") == CallOut(
        user=SALES_AGENT, number="+3728000000", presented="+3726000100", group=SUPPORT, trunk=TRUNK
    )


def test_the_one_call_prefix_for_a_group_not_ones_own_shows_the_usual_number() -> None:
    assert route(DIRECTORY, phone(ANN), "*82*+3728000000") == CallOut(
        user=ANN, number="+3728000000", presented="+3725000007", group=None, trunk=TRUNK
    )


def test_calls_out_are_refused_without_a_trunk_for_them() -> None:
    closed = Directory([SUPPORT], [ANN])
    refused = Refuse(status=403, reason="No trunk for calls out")
    assert route(closed, phone(ANN), "+3728000000") == refused
    assert route(closed, phone(ANN), "*81*+3728000000") == refused


@pytest.mark.parametrize("dialled", ["alice", "+", "12a4", "#31#"])
def test_a_call_out_to_something_not_a_number_is_incomplete(dialled: str) -> None:
    assert route(DIRECTORY, phone(ANN), dialled) == Refuse(status=484, reason="Address Incomplete")


# -- from a phone: feature codes -----------------------------------------------------------


@pytest.mark.parametrize(
    ("dialled", "event", "clip"),
    [
        ("*40", ev.AgentLoggedIn(agent_id="7", group_id=None), "feature_log_in"),
        ("*401", ev.AgentLoggedIn(agent_id="7", group_id="1"), "feature_log_in"),
        ("*41", ev.AgentLoggedOut(agent_id="7", group_id=None), "feature_log_out"),
        ("*411", ev.AgentLoggedOut(agent_id="7", group_id="1"), "feature_log_out"),
        ("*421", ev.PauseChanged(agent_id="7", reason="31"), "feature_pause_on"),
        ("*427", ev.PauseChanged(agent_id="7", reason="37"), "feature_pause_on"),
        ("*43", ev.PauseChanged(agent_id="7", reason=None), "feature_pause_off"),
        ("*62", ev.DispositionGiven(agent_id="7", code=2), "feature_disposition"),
        ("*78", ev.DndChanged(agent_id="7", on=True), "feature_dnd_on"),
        ("*79", ev.DndChanged(agent_id="7", on=False), "feature_dnd_off"),
    ],
)
def test_a_phone_dialling_a_feature_code(dialled: str, event: ev.Event, clip: str) -> None:
    assert route(DIRECTORY, phone(ANN), dialled) == Feature(user=ANN, event=event, clip=clip)


@pytest.mark.parametrize(
    ("who", "dialled"),
    [
        (ANN, "*99"),  # no such code
        (ANN, "*781"),  # DND is not per group
        (ANN, "*402"),  # not an agent of group 2
        (ANN, "*413"),  # another company's group
        (LONER, "*40"),  # an agent of no group
        (LONER, "*41"),
        (ANN, "*422"),  # no active pause reason 2 in the company
        (LONER, "*421"),  # pauses are for agents
        (LONER, "*43"),
        (ANN, "*63"),  # not a code of Support
        (EVE, "*61"),  # her group has no codes
    ],
)
def test_an_invalid_feature_code_changes_nothing(who: UserEntry, dialled: str) -> None:
    assert route(DIRECTORY, phone(who), dialled) == Feature(user=who, event=None, clip=UNKNOWN_CODE)


def test_dnd_needs_no_group() -> None:
    assert route(DIRECTORY, phone(LONER), "*78") == Feature(
        user=LONER, event=ev.DndChanged(agent_id="10", on=True), clip="feature_dnd_on"
    )
