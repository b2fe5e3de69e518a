"""The audit log: every change a person makes (who, what, when)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from helin.store.tables import AuditLog


def record(
    session: Session,
    *,
    user_id: int | None,
    action: str,
    object_type: str,
    object_id: str | int | None,
    at: datetime,
    details: dict[str, Any] | None = None,
    tenant_id: int | None = None,
) -> None:
    session.add(
        AuditLog(
            user_id=user_id,
            tenant_id=tenant_id,
            at=at,
            action=action,
            object_type=object_type,
            object_id=None if object_id is None else str(object_id),
            details=details,
        )
    )
