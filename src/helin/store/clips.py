"""A tenant's uploaded clips: finding them, names, the groups that play them, and the rows the
media server loads. Nothing here commits; the audio files are written by the API's clips
service under ``<data dir>/clips/``."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from helin.store.tables import Clip, Group
from helin.store.tables.callcenter import OVERFLOW_ACTIONS, QUEUE_CLIPS

CLIP_DIR = "clips"
"""Uploaded clips live under ``<data dir>/clips/<tenant id>/<clip id>.wav`` (8 kHz µ-law)."""

CLIP_COLUMNS = (*QUEUE_CLIPS, *(f"{action}_clip" for action in OVERFLOW_ACTIONS))
"""The ``groups`` columns naming a clip."""


def in_tenant(session: Session, tenant_id: int) -> list[Clip]:
    """The tenant's clips by name."""
    query = select(Clip).where(Clip.tenant_id == tenant_id).order_by(Clip.name, Clip.id)
    return list(session.scalars(query))


def get(session: Session, tenant_id: int, clip_id: int) -> Clip | None:
    """One clip of the tenant (None for another tenant's, as for a missing one)."""
    return session.scalar(select(Clip).where(Clip.tenant_id == tenant_id, Clip.id == clip_id))


def name_taken(session: Session, tenant_id: int, name: str) -> bool:
    """Whether a clip of the tenant is already called ``name``."""
    found = session.scalar(select(Clip.id).where(Clip.tenant_id == tenant_id, Clip.name == name))
    return found is not None


def relative_path(tenant_id: int, clip_id: int) -> str:
    """Where a clip's file is stored, relative to the data directory."""
    return f"{CLIP_DIR}/{tenant_id}/{clip_id}.wav"


def groups_using(session: Session, clip: Clip) -> list[str]:
    """The names of the tenant's groups that play ``clip``: a clip column holding its id (how
    a group stores an uploaded clip) or its name (a built-in clip's name the upload stands
    in for)."""
    refs = (str(clip.id), clip.name)
    query = (
        select(Group.name)
        .where(
            Group.tenant_id == clip.tenant_id,
            or_(*(getattr(Group, column).in_(refs) for column in CLIP_COLUMNS)),
        )
        .order_by(Group.name)
    )
    return list(session.scalars(query))


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
