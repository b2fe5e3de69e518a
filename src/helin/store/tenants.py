"""The tenants (companies) as the operator sees them."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helin.store.tables import (
    Tenant,
    User,
)


def with_user_counts(session: Session) -> list[tuple[Tenant, int]]:
    """Every tenant with its number of users."""
    counts = (
        select(User.tenant_id, func.count(User.id).label("users"))
        .group_by(User.tenant_id)
        .subquery()
    )
    rows = session.execute(
        select(Tenant, func.coalesce(counts.c.users, 0))
        .outerjoin(counts, counts.c.tenant_id == Tenant.id)
        .order_by(Tenant.name)
    ).all()
    return [(tenant, count) for tenant, count in rows]


def taken(session: Session, name: str, sip_domain: str) -> str | None:
    """Why a new tenant cannot have ``name`` or ``sip_domain`` (None: it can)."""
    if session.scalar(select(Tenant.id).where(Tenant.name == name)) is not None:
        return f"a tenant named {name!r} exists"
    if session.scalar(select(Tenant.id).where(Tenant.sip_domain == sip_domain)) is not None:
        return f"SIP domain {sip_domain} is used by another tenant"
    return None
