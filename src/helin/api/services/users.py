"""The tenant admin's users: list, create, change (rights, disabled, presented number), delete.

A tenant admin sees only their own company: another company's user is ``NotFound``, as if it
did not exist; anyone else is ``Forbidden``. Every change is audited, and the running switch
follows at once (phones and realms, numbers and users, group members).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from helin.acd.events import AgentLoggedOut, MemberRemoved
from helin.api.context import ApiContext
from helin.api.schemas.users import NewUser, UserCreate, UserPublic, UserUpdate
from helin.api.services.errors import Conflict, Invalid, NotFound, NotSignedIn
from helin.api.services.security import Principal, tenant_admin
from helin.store import accounts, audit, numbers, users
from helin.store.tables import Tenant, User


def user_public(user: User) -> UserPublic:
    return UserPublic(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        email=user.email,
        rights=users.rights_of(user),
        disabled=user.disabled,
        presented_number=user.presented_number,
        numbers=sorted(n.e164 for n in user.numbers),
        created_at=user.created_at,
    )


def tenant_user(session: Session, me: Principal, user_id: int) -> User:
    """A user of the tenant admin ``me``'s company (``NotFound`` otherwise)."""
    assert me.tenant_id is not None
    user = users.get(session, me.tenant_id, user_id)
    if user is None:
        raise NotFound("no such user")
    return user


def own_tenant(session: Session, me: Principal) -> Tenant:
    """``me``'s company."""
    tenant = session.get(Tenant, me.tenant_id)
    if tenant is None:
        raise NotSignedIn("your company is gone")
    return tenant


def check_rights(tenant: Tenant, rights: Sequence[str]) -> None:
    if not tenant.call_center and users.ADD_ON_RIGHTS & set(rights):
        raise Invalid.field("rights", "agent and manager need the company's call_center add-on")


def _taken(session: Session, username: str) -> None:
    if users.name_taken(session, username):
        raise Conflict(f"user name {username!r} is taken")


def list_users(ctx: ApiContext, me: Principal) -> list[UserPublic]:
    """Every user of my company."""
    tenant_admin(me)
    assert me.tenant_id is not None
    with ctx.sessions() as session:
        return [user_public(user) for user in users.in_tenant(session, me.tenant_id)]


def create_user(ctx: ApiContext, me: Principal, body: UserCreate) -> NewUser:
    """A new user of my company; the answer shows the password helin made, if it made one."""
    tenant_admin(me)
    password = body.password or accounts.random_password()
    try:
        with ctx.sessions.begin() as session:
            tenant = own_tenant(session, me)
            check_rights(tenant, body.rights)
            _taken(session, body.username)
            user = users.add(
                session,
                tenant.id,
                username=body.username,
                display_name=body.display_name,
                email=body.email,
                password=password,
                rights=body.rights,
            )
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


def get_user(ctx: ApiContext, me: Principal, user_id: int) -> UserPublic:
    tenant_admin(me)
    with ctx.sessions() as session:
        return user_public(tenant_user(session, me, user_id))


def update_user(ctx: ApiContext, me: Principal, user_id: int, body: UserUpdate) -> UserPublic:
    """Change the fields sent. Nobody takes their own tenant admin right or disables
    themselves (``Conflict``)."""
    tenant_admin(me)
    sent = body.model_fields_set
    with ctx.sessions.begin() as session:
        tenant = own_tenant(session, me)
        user = tenant_user(session, me, user_id)
        if user.id == me.user_id and (
            ("rights" in sent and "tenant_admin" not in body.rights)
            or ("disabled" in sent and body.disabled)
        ):
            raise Conflict("you cannot take your own tenant admin right or disable yourself")
        changes: dict[str, Any] = {}
        if "rights" in sent:
            check_rights(tenant, body.rights)
            changes.update({right: right in body.rights for right in users.RIGHTS})
        for name in ("display_name", "email", "disabled"):
            if name in sent:
                changes[name] = getattr(body, name)
        if "presented_number" in sent:
            number = body.presented_number
            allowed = numbers.of_groups(session, tenant.id) | {n.e164 for n in user.numbers}
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


def delete_user(ctx: ApiContext, me: Principal, user_id: int) -> None:
    """Delete a user with their phones, own numbers and group memberships (their calls stay
    in the log)."""
    tenant_admin(me)
    if user_id == me.user_id:
        # checked before the lookup: it is the caller's own account, no secret
        raise Conflict("you cannot delete yourself")
    with ctx.sessions.begin() as session:
        user = tenant_user(session, me, user_id)
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
