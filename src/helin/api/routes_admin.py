"""The tenant admin's users and their phones (devices); numbers and the operator's tenants
are in ``admin_numbers`` and ``admin_tenants``, included here.

A tenant admin sees only their own company: another company's user or device is 404, as if
it did not exist. Signed-in users without the right get 403. Every change is audited, and the
running switch follows at once (phones and realms, numbers and users, group members).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, HTTPException
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from helin.acd.events import AgentLoggedOut, MemberRemoved
from helin.api import admin_numbers, admin_tenants
from helin.api.deps import ContextDep, RowId, TenantAdmin
from helin.api.schemas.devices import DeviceCreate, DevicePublic, NewDevice
from helin.api.schemas.users import NewUser, UserCreate, UserPublic, UserUpdate
from helin.api.services.errors import Conflict, Invalid
from helin.api.services.security import Principal
from helin.store import accounts, admin, audit
from helin.store.tables import Device, Tenant, User

router = APIRouter(prefix="/api/v1", tags=["admin"])
router.include_router(admin_numbers.router)
router.include_router(admin_tenants.router)

_NOT_MINE: dict[int | str, dict[str, Any]] = {403: {}, 404: {}}
_CHANGES: dict[int | str, dict[str, Any]] = {403: {}, 404: {}, 409: {}, 422: {}}


def user_public(user: User) -> UserPublic:
    return UserPublic(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        email=user.email,
        rights=admin.rights_of(user),
        disabled=user.disabled,
        presented_number=user.presented_number,
        numbers=sorted(n.e164 for n in user.numbers),
        created_at=user.created_at,
    )


def _user(session: Session, me: Principal, user_id: int) -> User:
    assert me.tenant_id is not None
    user = admin.user(session, me.tenant_id, user_id)
    if user is None:
        raise HTTPException(404, "no such user")
    return user


def _tenant(session: Session, me: Principal) -> Tenant:
    tenant = session.get(Tenant, me.tenant_id)
    if tenant is None:
        raise HTTPException(401, "your company is gone")
    return tenant


def check_rights(tenant: Tenant, rights: Sequence[str]) -> None:
    if not tenant.call_center and admin.ADD_ON_RIGHTS & set(rights):
        raise Invalid.field("rights", "agent and manager need the company's call_center add-on")


def _taken(session: Session, username: str) -> None:
    if admin.username_taken(session, username):
        raise Conflict(f"user name {username!r} is taken")


# -- users ------------------------------------------------------------------------------


@router.get("/users", response_model=list[UserPublic], responses={403: {}})
def list_users(me: TenantAdmin, ctx: ContextDep) -> list[UserPublic]:
    """Every user of my company."""
    assert me.tenant_id is not None
    with ctx.sessions() as session:
        return [user_public(user) for user in admin.users(session, me.tenant_id)]


@router.post("/users", response_model=NewUser, status_code=201, responses=_CHANGES)
def create_user(body: UserCreate, me: TenantAdmin, ctx: ContextDep) -> NewUser:
    password = body.password or accounts.random_password()
    try:
        with ctx.sessions.begin() as session:
            tenant = _tenant(session, me)
            check_rights(tenant, body.rights)
            _taken(session, body.username)
            user = User(
                tenant_id=tenant.id,
                username=body.username,
                display_name=body.display_name,
                email=body.email,
                password_hash=accounts.hash_password(password),
                **{right: right in body.rights for right in admin.RIGHTS},
            )
            session.add(user)
            session.flush()
            audit.record(
                session,
                user_id=me.user_id,
                action="user.create",
                object_type="user",
                object_id=user.id,
                at=ctx.clock(),
                details={"username": user.username, "rights": body.rights},
            )
            made = NewUser(
                **user_public(user).model_dump(exclude={"numbers"}),
                numbers=[],
                password=None if body.password else password,
            )
    except IntegrityError:
        raise Conflict(f"user name {body.username!r} is taken") from None
    ctx.live.directory_changed()
    return made


@router.get("/users/{user_id}", response_model=UserPublic, responses=_NOT_MINE)
def get_user(user_id: RowId, me: TenantAdmin, ctx: ContextDep) -> UserPublic:
    with ctx.sessions() as session:
        return user_public(_user(session, me, user_id))


@router.patch("/users/{user_id}", response_model=UserPublic, responses=_CHANGES)
def update_user(user_id: RowId, body: UserUpdate, me: TenantAdmin, ctx: ContextDep) -> UserPublic:
    """Change the fields sent: rights, display name, e-mail, password, disabled, presented
    number. You cannot take your own tenant admin right or disable yourself (409)."""
    sent = body.model_fields_set
    with ctx.sessions.begin() as session:
        tenant = _tenant(session, me)
        user = _user(session, me, user_id)
        if user.id == me.user_id and (
            ("rights" in sent and "tenant_admin" not in body.rights)
            or ("disabled" in sent and body.disabled)
        ):
            raise Conflict("you cannot take your own tenant admin right or disable yourself")
        changes: dict[str, Any] = {}
        if "rights" in sent:
            check_rights(tenant, body.rights)
            changes.update({right: right in body.rights for right in admin.RIGHTS})
        for name in ("display_name", "email", "disabled"):
            if name in sent:
                changes[name] = getattr(body, name)
        if "presented_number" in sent:
            number = body.presented_number
            allowed = admin.group_numbers(session, tenant.id) | {n.e164 for n in user.numbers}
            if number is not None and number not in allowed:
                raise Invalid.field(
                    "presented_number", "not a group number of the company or the user's own"
                )
            changes["presented_number"] = number
        changes = {k: v for k, v in changes.items() if getattr(user, k) != v}
        if "password" in sent:
            user.password_hash = accounts.hash_password(body.password)
        for name, value in changes.items():
            setattr(user, name, value)
        logged_out = bool(user.memberships) and (
            changes.get("disabled") is True or changes.get("agent") is False
        )
        details: dict[str, Any] = dict(changes)
        if "password" in sent:
            details["password"] = "changed"
        if details:
            audit.record(
                session,
                user_id=me.user_id,
                action="user.update",
                object_type="user",
                object_id=user.id,
                at=ctx.clock(),
                details=details,
            )
        result = user_public(user)
    if logged_out:  # a disabled user or one who is no longer an agent takes no group calls
        ctx.live.feed(AgentLoggedOut(agent_id=str(user_id)))
    if "disabled" in changes:
        ctx.live.devices_changed()
    if changes:
        ctx.live.directory_changed()
    return result


@router.delete("/users/{user_id}", status_code=204, responses=_CHANGES)
def delete_user(user_id: RowId, me: TenantAdmin, ctx: ContextDep) -> None:
    """Delete a user with their phones, own numbers and group memberships (their calls stay
    in the log). To keep them, disable them instead."""
    if user_id == me.user_id:
        # checked before the lookup: it is the caller's own account, no secret
        raise Conflict("you cannot delete yourself")
    with ctx.sessions.begin() as session:
        user = _user(session, me, user_id)
        groups = [m.group_id for m in user.memberships]
        had_devices = bool(user.devices)
        for own in list(user.numbers):
            session.delete(own)
        audit.record(
            session,
            user_id=me.user_id,
            action="user.delete",
            object_type="user",
            object_id=user.id,
            at=ctx.clock(),
            details={"username": user.username},
        )
        session.delete(user)
    for group_id in groups:
        if ctx.live.group_status(str(group_id)) is not None:
            ctx.live.feed(MemberRemoved(group_id=str(group_id), agent_id=str(user_id)))
    if had_devices:
        ctx.live.devices_changed()
    ctx.live.directory_changed()


# -- devices ----------------------------------------------------------------------------


def device_public(device: Device, sip_domain: str, ctx: ContextDep) -> DevicePublic:
    return DevicePublic(
        id=device.id,
        user_id=device.user_id,
        kind=device.kind.value,
        sip_username=device.sip_username,
        sip_domain=sip_domain,
        label=device.label,
        status=ctx.live.device_status(str(device.id)),
        created_at=device.created_at,
    )


@router.get("/users/{user_id}/devices", response_model=list[DevicePublic], responses=_NOT_MINE)
def list_devices(user_id: RowId, me: TenantAdmin, ctx: ContextDep) -> list[DevicePublic]:
    with ctx.sessions() as session:
        tenant = _tenant(session, me)
        user = _user(session, me, user_id)
        return [device_public(d, tenant.sip_domain, ctx) for d in admin.devices(session, user.id)]


@router.post(
    "/users/{user_id}/devices", response_model=NewDevice, status_code=201, responses=_CHANGES
)
def create_device(
    user_id: RowId, body: DeviceCreate, me: TenantAdmin, ctx: ContextDep
) -> NewDevice:
    """A new phone of the user. The answer holds the SIP password once (the one you gave,
    or one helin made); helin keeps only its digests."""
    password = body.password or accounts.random_password()
    taken = f"SIP user name {body.sip_username!r} is taken"
    try:
        with ctx.sessions.begin() as session:
            tenant = _tenant(session, me)
            user = _user(session, me, user_id)
            if admin.sip_username_taken(session, body.sip_username):
                raise Conflict(taken)
            device = admin.add_device(
                session,
                user,
                tenant.sip_domain,
                kind=body.kind,
                sip_username=body.sip_username,
                password=password,
                label=body.label,
            )
            audit.record(
                session,
                user_id=me.user_id,
                action="device.create",
                object_type="device",
                object_id=device.id,
                at=ctx.clock(),
                details={"user_id": user.id, "sip_username": device.sip_username},
            )
            made = device_public(device, tenant.sip_domain, ctx)
    except IntegrityError:
        raise Conflict(taken) from None
    ctx.live.devices_changed()
    return NewDevice(**made.model_dump(), password=password)


@router.delete("/users/{user_id}/devices/{device_id}", status_code=204, responses=_NOT_MINE)
def delete_device(user_id: RowId, device_id: RowId, me: TenantAdmin, ctx: ContextDep) -> None:
    with ctx.sessions.begin() as session:
        user = _user(session, me, user_id)
        device = session.get(Device, device_id)
        if device is None or device.user_id != user.id:
            raise HTTPException(404, "no such device")
        audit.record(
            session,
            user_id=me.user_id,
            action="device.delete",
            object_type="device",
            object_id=device.id,
            at=ctx.clock(),
            details={"user_id": user.id, "sip_username": device.sip_username},
        )
        session.delete(device)
    ctx.live.devices_changed()
