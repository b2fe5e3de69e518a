"""The predefined reports a manager can order, and what each shows."""

from __future__ import annotations

from enum import StrEnum


class ReportKind(StrEnum):
    GROUP_SUMMARY = "group_summary"
    """Per group and interval: the traffic, its rates, service level, waits and handle time."""
    SERVICE_LEVEL = "service_level"
    """Per group and interval: the service level against the target, intervals under it marked."""
    AGENT_ACTIVITY = "agent_activity"
    """Per agent: time in each state, offers, answered calls, handle time, occupancy."""
    ABANDONED_CALLS = "abandoned_calls"
    """Every abandoned call with its caller and wait, for calling back."""
    CALL_DETAIL = "call_detail"
    """The call log of the period."""


class Format(StrEnum):
    PDF = "pdf"
    XLSX = "xlsx"
    CSV = "csv"


MEDIA_TYPES = {
    Format.PDF: "application/pdf",
    Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    Format.CSV: "text/csv; charset=utf-8",
}
