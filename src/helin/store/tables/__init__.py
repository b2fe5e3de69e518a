"""Every table helin keeps, on one metadata with a naming convention. Import tables from here.

``company.py`` holds a company's own rows (tenants, users, devices, numbers, trunks, clips, SIP
registrations, the audit log, sign-in tokens); ``callcenter.py`` groups with their members and
calendars; ``activity.py`` what happens (calls, offers, agent events, recordings);
``reports.py`` the reports managers order and each run of them; ``statistics.py`` the rollups
that statistics are summed from; ``base.py`` the declarative base and column types;
``enums.py`` the value sets the ACD engine does not define. Row ids are integers; the ACD
engine sees their string form.
"""

from __future__ import annotations

from helin.store.tables.activity import AgentEvent, Call, Offer, Recording
from helin.store.tables.base import Base, metadata
from helin.store.tables.callcenter import (
    CalendarException,
    DispositionCode,
    ExceptionRange,
    Group,
    Membership,
    PauseReason,
    WeeklyHours,
)
from helin.store.tables.company import (
    AuditLog,
    AuthToken,
    Clip,
    Device,
    Number,
    Registration,
    Tenant,
    Trunk,
    TrunkPeer,
    User,
)
from helin.store.tables.reports import ReportFile, ReportOrder, ReportRun
from helin.store.tables.statistics import (
    agent_days,
    agent_intervals,
    agent_pauses,
    agent_tracks,
    group_days,
    group_intervals,
    group_months,
)

__all__ = [
    "AgentEvent",
    "AuditLog",
    "AuthToken",
    "Base",
    "CalendarException",
    "Call",
    "Clip",
    "Device",
    "DispositionCode",
    "ExceptionRange",
    "Group",
    "Membership",
    "Number",
    "Offer",
    "PauseReason",
    "Recording",
    "Registration",
    "ReportFile",
    "ReportOrder",
    "ReportRun",
    "Tenant",
    "Trunk",
    "TrunkPeer",
    "User",
    "WeeklyHours",
    "agent_days",
    "agent_intervals",
    "agent_pauses",
    "agent_tracks",
    "group_days",
    "group_intervals",
    "group_months",
    "metadata",
]
