"""What the recording manager decides, as pure functions: deletion dates, the keep rule, the
stored formats, object keys, download names and the upload's backoff.

Retention. A recording is deleted ``retention_days`` after it was made (the tenant's setting:
30 days, 60 when the operator extends it), read afresh at every purge, so a shortened
retention applies at the next purge and an extended one spares what has not gone yet. A
recording marked to keep is never deleted by the purge. Unmarking it brings back its normal
end, or 7 days from the unmarking if that is later (``KEEP_RELEASE``), so nothing vanishes
the moment a manager changes their mind.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

DEFAULT_RETENTION_DAYS = 30
"""Days a recording is kept when the operator has not extended the tenant's retention."""
EXTENDED_RETENTION_DAYS = 60
"""Days when the operator extends it."""
KEEP_RELEASE = timedelta(days=7)
"""After a keep mark is removed, the recording stays at least this long."""
LISTEN_AGAIN_AFTER = timedelta(minutes=10)
"""A user's requests for a recording's audio are one audited listen until this long after the
last audited one: a playback's seeks are not listens of their own, and a playback that starts
anywhere in the file (a range from the middle) is still audited."""


def deletion_date(
    created_at: datetime,
    retention_days: int | None,
    *,
    keep: bool,
    released_at: datetime | None,
) -> datetime | None:
    """When the purge deletes a recording (None while it is marked to keep)."""
    if keep:
        return None
    end = created_at + timedelta(days=retention_days or DEFAULT_RETENTION_DAYS)
    if released_at is not None:
        end = max(end, released_at + KEEP_RELEASE)
    return end


def is_expired(
    created_at: datetime,
    retention_days: int | None,
    *,
    keep: bool,
    released_at: datetime | None,
    now: datetime,
) -> bool:
    """Whether the purge deletes it at ``now``."""
    end = deletion_date(created_at, retention_days, keep=keep, released_at=released_at)
    return end is not None and end <= now


@dataclass(frozen=True, slots=True)
class Cutoffs:
    """``is_expired`` as two column bounds, for the store's query: not kept, made at or before
    ``made_by``, and released (if ever) at or before ``released_by``."""

    made_by: datetime
    released_by: datetime


def cutoffs(retention_days: int | None, now: datetime) -> Cutoffs:
    """The bounds of what has expired at ``now`` under ``retention_days``."""
    days = retention_days or DEFAULT_RETENTION_DAYS
    return Cutoffs(made_by=now - timedelta(days=days), released_by=now - KEEP_RELEASE)


@dataclass(frozen=True, slots=True)
class Format:
    """A stored format: libsndfile's names for it and what HTTP calls it."""

    name: str
    extension: str
    media_type: str
    container: str
    """libsndfile's major format."""
    subtype: str
    """libsndfile's subtype."""


FORMATS = {
    "wav": Format("wav", "wav", "audio/wav", "WAV", "PCM_16"),
    "flac": Format("flac", "flac", "audio/flac", "FLAC", "PCM_16"),
    "opus": Format("opus", "opus", "audio/ogg; codecs=opus", "OGG", "OPUS"),
}
"""Every format a recording may be stored in; ``flac`` is the default (docs/recordings.md
has the measurement behind the choice)."""
DEFAULT_FORMAT = "flac"

_UNSAFE = re.compile(r"[^A-Za-z0-9._+-]+")


def _safe(text: str, fallback: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    cleaned = _UNSAFE.sub("-", ascii_text).strip("-.")
    return cleaned[:60] or fallback


def object_key(tenant_id: int, made_at: datetime, call_id: str, fmt: str) -> str:
    """Where a recording is stored, relative to the storage's root or prefix:
    ``<tenant>/<YYYY>/<MM>/<DD>/<call id>.<ext>`` (UTC day; the call id made safe)."""
    day = made_at.strftime("%Y/%m/%d")
    return f"{tenant_id}/{day}/{_safe(call_id, 'call')}.{FORMATS[fmt].extension}"


def download_name(group: str | None, started_at: datetime, caller: str, fmt: str) -> str:
    """A meaningful file name for a download: ``<group>_<YYYY-MM-DD_HH-MM-SS>_<caller>.<ext>``,
    in ASCII (``started_at`` in the time zone the name should show)."""
    when = started_at.strftime("%Y-%m-%d_%H-%M-%S")
    return (
        f"{_safe(group or '', 'recording')}_{when}_{_safe(caller, 'unknown')}"
        f".{FORMATS[fmt].extension}"
    )


BACKOFF_FIRST = 5.0
"""Seconds before the first retry of a failed upload."""
BACKOFF_MAX = 900.0
"""The longest wait between retries."""


def backoff(attempts: int) -> float:
    """Seconds to wait after the ``attempts``-th failed upload: 5 s doubling, at most 15 min."""
    return min(BACKOFF_MAX, BACKOFF_FIRST * 2.0 ** max(0, attempts - 1))
