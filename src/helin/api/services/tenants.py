"""The operator's tenants: the companies, their add-ons (call center, recording), how long
their recordings are kept (30 or 60 days), and each one's first tenant admin.

A tenant's name and SIP domain are set when it is created: the domain is its phones' digest
realm, so changing it would invalidate every phone's credentials.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from helin.api.context import ApiContext
from helin.api.schemas.tenants import AdminCreate, TenantCreate, TenantPublic, TenantUpdate
from helin.api.schemas.users import NewUser
from helin.api.services.errors import Conflict, NotFound
from helin.api.services.security import Principal, operator
from helin.store import accounts, audit, tenants, users
from helin.store.tables import Tenant


def tenant_public(tenant: Tenant, users: int) -> TenantPublic:
    return TenantPublic(
        id=tenant.id,
        name=tenant.name,
        sip_domain=tenant.sip_domain,
        call_center=tenant.call_center,
        recording=tenant.recording,
        recording_retention_days=tenant.recording_retention_days,
        users=users,
        created_at=tenant.created_at,
    )


def _tenant(session: Session, tenant_id: int) -> Tenant:
    tenant = session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound("no such tenant")
    return tenant


def list_tenants(ctx: ApiContext, me: Principal) -> list[TenantPublic]:
    operator(me)
    with ctx.sessions() as session:
        return [tenant_public(tenant, users) for tenant, users in tenants.with_user_counts(session)]


def create_tenant(ctx: ApiContext, me: Principal, body: TenantCreate) -> TenantPublic:
    operator(me)
    try:
        with ctx.sessions.begin() as session:
            reason = tenants.taken(session, body.name, body.sip_domain)
            if reason is not None:
                raise Conflict(reason)
            tenant = Tenant(**body.model_dump())
            session.add(tenant)
            session.flush()
            audit.record(
                session,
                user_id=me.user_id,
                action="tenant.create",
                object_type="tenant",
                object_id=tenant.id,
                at=ctx.clock(),
                details=body.model_dump(),
            )
            result = tenant_public(tenant, 0)
    except IntegrityError:
        raise Conflict("a tenant with that name or SIP domain exists") from None
    ctx.live.devices_changed()  # a new realm to answer for
    return result


def get_tenant(ctx: ApiContext, me: Principal, tenant_id: int) -> TenantPublic:
    operator(me)
    with ctx.sessions() as session:
        tenant = _tenant(session, tenant_id)
        return tenant_public(tenant, users.count(session, tenant.id))


def update_tenant(
    ctx: ApiContext, me: Principal, tenant_id: int, body: TenantUpdate
) -> TenantPublic:
    """Change the fields sent: the add-ons and the recordings' retention (30 or 60 days)."""
    operator(me)
    with ctx.sessions.begin() as session:
        tenant = _tenant(session, tenant_id)
        changes: dict[str, Any] = {
            name: getattr(body, name)
            for name in sorted(body.model_fields_set)
            if getattr(tenant, name) != getattr(body, name)
        }
        for name, value in changes.items():
            setattr(tenant, name, value)
        if changes:
            audit.record(
                session,
                user_id=me.user_id,
                action="tenant.update",
                object_type="tenant",
                object_id=tenant.id,
                at=ctx.clock(),
                details=changes,
            )
        result = tenant_public(tenant, users.count(session, tenant.id))
    if "call_center" in changes:
        ctx.live.directory_changed()
    return result


def create_first_admin(
    ctx: ApiContext, me: Principal, tenant_id: int, body: AdminCreate
) -> NewUser:
    """The tenant's first tenant admin (``Conflict`` once it has one: they make the other
    users)."""
    operator(me)
    password = body.password or accounts.random_password()
    taken = f"user name {body.username!r} is taken"
    try:
        with ctx.sessions.begin() as session:
            tenant = _tenant(session, tenant_id)
            if users.has_tenant_admin(session, tenant.id):
                raise Conflict("the tenant has a tenant admin; they manage its users")
            if users.name_taken(session, body.username):
                raise Conflict(taken)
            user = users.add(
                session,
                tenant.id,
                username=body.username,
                display_name=body.display_name,
                email=body.email,
                password=password,
                rights=["tenant_admin"],
            )
            audit.record(
                session,
                user_id=me.user_id,
                action="user.create",
                object_type="user",
                object_id=user.id,
                at=ctx.clock(),
                details={
                    "username": user.username,
                    "rights": ["tenant_admin"],
                    "tenant_id": tenant.id,
                },
            )
            made = NewUser(
                id=user.id,
                username=user.username,
                display_name=user.display_name,
                email=user.email,
                rights=["tenant_admin"],
                disabled=False,
                presented_number=None,
                numbers=[],
                created_at=user.created_at,
                password=None if body.password else password,
            )
    except IntegrityError:
        raise Conflict(taken) from None
    ctx.live.directory_changed()
    return made
