"""What a dialled number means: ``route`` turns who is calling and what they dialled into a
decision the call layer carries out. Pure: no sockets, no clock.

=========================  ======================  =====================================
dialled                    from a trunk            from a phone
=========================  ======================  =====================================
a group's number           ``ToGroup``             ``ToGroup`` (same company only)
a user's number            ``ToUser``              ``ToUser`` (same company only)
a feature code (``*..``)   ``Refuse(404)``         ``Feature``
``*8<group>*<number>``     ``Refuse(404)``         ``CallOut`` showing that group's number
anything else              ``Refuse(404)``         ``CallOut`` (a number outside)
=========================  ======================  =====================================

A call from a phone shows the user's own first number to the group or colleague called; a
call out shows the presented number (``Directory.presented``). A phone whose user is not in
the directory, a call out with no trunk for calls out, and a call out to something that is
not a number are refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from helin.acd import events as ev
from helin.directory import GroupEntry, UserEntry
from helin.switch.calls import features
from helin.switch.calls.numbers import Directory, normalise

UNKNOWN_CODE = "feature_unknown"
"""The clip a feature code that is not valid for its user gets ("This code is not valid")."""


@dataclass(frozen=True, kw_only=True, slots=True)
class FromTrunk:
    """The INVITE came from a trunk peer: a customer calling in."""

    caller: str
    """The caller's number (``P-Asserted-Identity``, else ``From``), normalised."""


@dataclass(frozen=True, kw_only=True, slots=True)
class FromPhone:
    """The INVITE came from an authenticated phone of one of our users."""

    user_id: str
    """The phone's user."""


@dataclass(frozen=True, kw_only=True, slots=True)
class ToGroup:
    """A group call: the caller joins the group's queue."""

    group: GroupEntry
    """The group called."""
    caller: str
    """The number the agents see."""
    number: str
    """The group number dialled."""


@dataclass(frozen=True, kw_only=True, slots=True)
class ToUser:
    """A direct call: all the user's phones ring."""

    user: UserEntry
    """The user called."""
    caller: str
    """The number the user sees."""
    number: str
    """The user's number dialled."""


@dataclass(frozen=True, kw_only=True, slots=True)
class CallOut:
    """A user calling a number outside through the trunk."""

    user: UserEntry
    """The user calling out."""
    number: str
    """The number called, normalised."""
    presented: str
    """The number shown to the far end."""
    group: GroupEntry | None
    """The group whose number is presented (None: one of the user's own numbers)."""
    trunk: str
    """The trunk's address for calls out."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Feature:
    """A feature code: tell the engine (if anything changes) and confirm with a clip."""

    user: UserEntry
    """The user who dialled the code."""
    event: ev.Event | None
    """What changes (log in, log out, pause, DND); None for a code that is not valid here."""
    clip: str
    """The confirmation clip (``UNKNOWN_CODE`` for a code that is not valid here)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Refuse:
    """No call: answer the INVITE with this status."""

    status: int
    """The SIP status: 403 (not allowed), 404 (no such number), 484 (not a number)."""
    reason: str
    """The reason phrase."""


Decision = ToGroup | ToUser | CallOut | Feature | Refuse


def route(directory: Directory, source: FromTrunk | FromPhone, dialled: str) -> Decision:
    """What the INVITE from ``source`` to ``dialled`` (the Request-URI's user part) becomes."""
    dialled = normalise(dialled)
    if isinstance(source, FromTrunk):
        return _from_trunk(directory, source.caller, dialled)
    user = directory.users.get(source.user_id)
    if user is None:
        return Refuse(status=403, reason="No calls from this phone")
    try:
        asked = features.parse(dialled)
    except features.UnknownCode:
        return Feature(user=user, event=None, clip=UNKNOWN_CODE)
    if isinstance(asked, features.FeatureCode):
        return _feature(user, asked, directory.groups)
    if isinstance(asked, features.PresentGroup):
        return _call_out(directory, user, normalise(asked.number), group_id=asked.group_id)
    return _from_phone(directory, user, dialled)


def _from_trunk(directory: Directory, caller: str, dialled: str) -> Decision:
    owner = directory.owner(dialled)
    if isinstance(owner, GroupEntry):
        return ToGroup(group=owner, caller=caller, number=dialled)
    if isinstance(owner, UserEntry):
        return ToUser(user=owner, caller=caller, number=dialled)
    return Refuse(status=404, reason="No such number")


def _from_phone(directory: Directory, user: UserEntry, dialled: str) -> Decision:
    owner = directory.owner(dialled)
    own = user.numbers[0] if user.numbers else ""
    if isinstance(owner, GroupEntry) and owner.tenant_id == user.tenant_id:
        return ToGroup(group=owner, caller=own, number=dialled)
    if isinstance(owner, UserEntry) and owner.tenant_id == user.tenant_id:
        return ToUser(user=owner, caller=own, number=dialled)
    return _call_out(directory, user, dialled)


def _call_out(
    directory: Directory, user: UserEntry, number: str, *, group_id: str | None = None
) -> Decision:
    trunk = directory.outbound_uri
    if trunk is None:
        return Refuse(status=403, reason="No trunk for calls out")
    if not number.lstrip("+").isdigit():
        return Refuse(status=484, reason="Address Incomplete")
    presented, group = directory.presented(user, group_id)
    return CallOut(user=user, number=number, presented=presented, group=group, trunk=trunk)


def _feature(
    user: UserEntry, code: features.FeatureCode, groups: Mapping[str, GroupEntry]
) -> Feature:
    group = code.group_id
    unknown = Feature(user=user, event=None, clip=UNKNOWN_CODE)
    if group is not None and group not in user.groups:
        return unknown
    event: ev.Event
    if code.feature is features.Feature.LOG_IN:
        event = ev.AgentLoggedIn(agent_id=user.id, group_id=group)
    elif code.feature is features.Feature.LOG_OUT:
        event = ev.AgentLoggedOut(agent_id=user.id, group_id=group)
    elif code.feature is features.Feature.PAUSE_ON:
        reason = dict(user.pause_reasons).get(code.reason_code or 0)
        if reason is None:
            return unknown
        event = ev.PauseChanged(agent_id=user.id, reason=reason)
    elif code.feature is features.Feature.PAUSE_OFF:
        event = ev.PauseChanged(agent_id=user.id, reason=None)
    elif code.feature is features.Feature.DISPOSITION:
        offered = {c for g in user.groups if (e := groups.get(g)) for c in e.dispositions}
        if code.reason_code not in offered:
            return unknown
        event = ev.DispositionGiven(agent_id=user.id, code=code.reason_code or 0)
    else:
        event = ev.DndChanged(agent_id=user.id, on=code.feature is features.Feature.DND_ON)
    if not isinstance(event, ev.DndChanged) and not user.groups:
        return unknown
    return Feature(user=user, event=event, clip=f"feature_{code.feature.value}")
