"""Applying one group's settings: queue, overflow, calendar and members.

Runs after every group and user of the file exists and numbers are settled, so overflow
targets and members can name groups and users created by the same file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from helin.acd.model import GroupConfig, OverflowAction, OverflowKind
from helin.store.provisioning.schema import OVERFLOW_COLUMNS, ActionSpec, GroupSpec, assign
from helin.store.provisioning.yamlsource import Path
from helin.store.tables import (
    CalendarException,
    Clip,
    DispositionCode,
    ExceptionRange,
    Group,
    Membership,
    Tenant,
    User,
    WeeklyHours,
)
from helin.store.tables.callcenter import QUEUE_CLIPS
from helin.store.tables.enums import BUILTIN_CLIPS

if TYPE_CHECKING:
    from helin.store.provisioning.apply import Applier

_DEFAULTS = GroupConfig(id="defaults")


class GroupSettings:
    """Make ``group`` match ``spec``; ``apply()`` says whether the group itself changed."""

    def __init__(
        self,
        applier: Applier,
        at: Path,
        tenant: Tenant,
        group: Group,
        spec: GroupSpec,
        created: bool,
    ) -> None:
        self.applier = applier
        self.session = applier.session
        self.at = at
        self.tenant = tenant
        self.group = group
        self.spec = spec
        self.created = created

    def given(self, name: str) -> bool:
        return self.created or name in self.spec.model_fields_set

    def apply(self) -> bool:
        spec, values = self.spec, dict[str, Any]()
        for name, column in (
            ("policy", "policy"),
            ("timezone", "timezone"),
            ("holidays", "holiday_country"),
            ("override", "override_mode"),
        ):
            if self.given(name):
                values[column] = getattr(spec, name)
        if self.given("queue"):
            values.update(self.queue())
        if self.given("overflow"):
            values.update(self.overflow())
        changed = assign(self.group, values)
        if self.given("hours"):
            changed |= self.hours()
        if self.given("exceptions"):
            changed |= self.exceptions()
        if self.given("members"):
            self.members()
        for entry in self.spec.dispositions:
            self.applier.coded("dispositions", DispositionCode, {"group_id": self.group.id}, entry)
        return changed

    def clip(self, at: Path, ref: str | None) -> str | None:
        """A clip reference as stored: a built-in clip name or the id of a tenant's clip."""
        if ref is None or ref in BUILTIN_CLIPS:
            return ref
        clip_id = self.session.scalar(
            select(Clip.id).where(Clip.tenant_id == self.tenant.id, Clip.name == ref)
        )
        if clip_id is None:
            builtins = ", ".join(sorted(BUILTIN_CLIPS))
            self.applier.problem(
                at,
                f"unknown clip {ref!r} (built-in: {builtins}; or the name"
                " of a clip uploaded for the tenant)",
            )
            return ref
        return str(clip_id)

    def queue(self) -> dict[str, Any]:
        queue, at = self.spec.queue, (*self.at, "queue")
        values: dict[str, Any] = {}
        for name in type(queue).model_fields:
            if self.created or name in queue.model_fields_set:
                value = getattr(queue, name)
                values[name] = self.clip((*at, name), value) if name in QUEUE_CLIPS else value
        return values

    def overflow(self) -> dict[str, Any]:
        overflow, values = self.spec.overflow, dict[str, Any]()
        for key, prefix in OVERFLOW_COLUMNS.items():
            if not (self.created or key in overflow.model_fields_set):
                continue
            spec: ActionSpec | None = getattr(overflow, key)
            at = (*self.at, "overflow", key)
            action: OverflowAction = getattr(_DEFAULTS, prefix)
            kind, target, clip = action.kind, action.target, action.clip
            if spec is not None:
                kind, target = spec.action, spec.target
                clip = self.clip((*at, "clip"), spec.clip)
                if kind is OverflowKind.FORWARD_GROUP:
                    target = self.group_id((*at, "target"), spec.target or "")
            values.update(
                {f"{prefix}_kind": kind, f"{prefix}_target": target, f"{prefix}_clip": clip}
            )
        return values

    def group_id(self, at: Path, name: str) -> str:
        if name == self.group.name:
            self.applier.problem(at, "a group cannot overflow to itself")
            return name
        group_id = self.session.scalar(
            select(Group.id).where(Group.tenant_id == self.tenant.id, Group.name == name)
        )
        if group_id is None:
            self.applier.problem(at, f"no group {name!r} in tenant {self.tenant.name!r}")
            return name
        return str(group_id)

    def hours(self) -> bool:
        rows = self.session.scalars(
            select(WeeklyHours).where(WeeklyHours.group_id == self.group.id)
        ).all()
        have = {(r.weekday, r.start_minute, r.end_minute) for r in rows}
        want = {
            (day, start, end) for day, ranges in self.spec.weekly().items() for start, end in ranges
        }
        if have == want:
            return False
        for row in rows:
            self.session.delete(row)
        self.session.flush()
        self.session.add_all(
            WeeklyHours(group_id=self.group.id, weekday=day, start_minute=start, end_minute=end)
            for day, start, end in sorted(want)
        )
        return True

    def exceptions(self) -> bool:
        rows = self.session.scalars(
            select(CalendarException).where(CalendarException.group_id == self.group.id)
        ).all()
        have = {
            r.day: (tuple((x.start_minute, x.end_minute) for x in r.ranges), r.note) for r in rows
        }
        want = {e.day: (e.hours, e.note) for e in self.spec.exceptions}
        if have == want:
            return False
        for row in rows:
            self.session.delete(row)
        self.session.flush()
        for day, (ranges, note) in sorted(want.items()):
            self.session.add(
                CalendarException(
                    group_id=self.group.id,
                    day=day,
                    note=note,
                    ranges=[ExceptionRange(start_minute=s, end_minute=e) for s, e in ranges],
                )
            )
        return True

    def members(self) -> None:
        counts = self.applier.counts["members"]
        current = {
            m.user_id: m
            for m in self.session.scalars(
                select(Membership).where(Membership.group_id == self.group.id)
            )
        }
        keep: set[int] = set()
        for index, member in enumerate(self.spec.members):
            at = (*self.at, "members", index, "user")
            user = self.session.scalar(select(User).where(User.username == member.user))
            if user is None or user.tenant_id != self.tenant.id:
                self.applier.problem(at, f"no user {member.user!r} in tenant {self.tenant.name!r}")
                continue
            if not user.agent:
                self.applier.problem(at, f"user {member.user!r} does not have the agent right")
                continue
            keep.add(user.id)
            order = index if member.order is None else member.order
            row = current.get(user.id)
            if row is None:
                self.session.add(
                    Membership(
                        group_id=self.group.id,
                        user_id=user.id,
                        ring_order=order,
                        weight=member.weight,
                        priority=member.priority,
                    )
                )
                counts.created += 1
            elif assign(
                row, {"ring_order": order, "weight": member.weight, "priority": member.priority}
            ):
                counts.updated += 1
        for user_id, row in current.items():
            if user_id not in keep:
                self.session.delete(row)
                counts.removed += 1
