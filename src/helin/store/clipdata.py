"""Uploaded clips as the media server loads them: (tenant, name, file)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from helin.store.tables import Clip

CLIP_DIR = "clips"
"""Uploaded clips live under ``<data dir>/clips/<tenant id>/<clip id>.wav`` (8 kHz µ-law)."""


@dataclass(frozen=True, slots=True)
class ClipRow:
    id: str
    tenant_id: str
    name: str
    path: str
    """Relative to the data directory."""


def load_clips(session: Session, tenant_id: int | None = None) -> list[ClipRow]:
    query = select(Clip.id, Clip.tenant_id, Clip.name, Clip.path).order_by(Clip.id)
    if tenant_id is not None:
        query = query.where(Clip.tenant_id == tenant_id)
    return [ClipRow(str(i), str(t), name, path) for i, t, name, path in session.execute(query)]
