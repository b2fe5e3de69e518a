"""What the tenant admins' and operators' endpoints read and change: one tenant's users,
devices and numbers, and the tenants themselves.

Every lookup takes the tenant it is made for and finds nothing outside it, so a route cannot
reach another company's objects by id. Secrets never leave this module in clear: passwords
become argon2 hashes, SIP passwords the two HA1s of the tenant's realm.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from helin.store.accounts import digest_ha1
from helin.store.tables import Device, Number, Tenant, User
from helin.store.tables.callcenter import Group
from helin.store.tables.enums import DeviceKind

RIGHTS = ("tenant_admin", "manager", "agent")
"""The rights a tenant admin gives (never ``operator``), in the order they are listed."""
ADD_ON_RIGHTS = frozenset({"manager", "agent"})
"""Rights that need the tenant's call-center add-on."""


def rights_of(user: User) -> list[str]:
    return [right for right in RIGHTS if getattr(user, right)]


def users(session: Session, tenant_id: int) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .where(User.tenant_id == tenant_id)
            .options(selectinload(User.numbers))
            .order_by(User.username)
        )
    )


def user(session: Session, tenant_id: int, user_id: int) -> User | None:
    """The tenant's user ``user_id``; None for an unknown id or another tenant's user."""
    found = session.get(User, user_id)
    return found if found is not None and found.tenant_id == tenant_id else None


def username_taken(session: Session, username: str) -> bool:
    """Whether anyone (in any tenant, or an operator) signs in as ``username``."""
    return session.scalar(select(User.id).where(User.username == username)) is not None


def sip_username_taken(session: Session, sip_username: str) -> bool:
    found = select(Device.id).where(Device.sip_username == sip_username)
    return session.scalar(found) is not None


def devices(session: Session, user_id: int) -> list[Device]:
    return list(
        session.scalars(select(Device).where(Device.user_id == user_id).order_by(Device.id))
    )


def add_device(
    session: Session,
    owner: User,
    realm: str,
    *,
    kind: DeviceKind,
    sip_username: str,
    password: str,
    label: str,
) -> Device:
    """A new phone of ``owner``; only the HA1s of ``password`` in ``realm`` are kept."""
    md5, sha256 = digest_ha1(sip_username, realm, password)
    device = Device(
        user_id=owner.id,
        kind=kind,
        sip_username=sip_username,
        ha1_md5=md5,
        ha1_sha256=sha256,
        label=label,
    )
    session.add(device)
    session.flush()
    return device


def group(session: Session, tenant_id: int, group_id: int) -> Group | None:
    found = session.get(Group, group_id)
    return found if found is not None and found.tenant_id == tenant_id else None


def group_numbers(session: Session, tenant_id: int) -> set[str]:
    """Every number owned by one of the tenant's groups."""
    rows = session.scalars(
        select(Number.e164)
        .join(Group, Number.group_id == Group.id)
        .where(Group.tenant_id == tenant_id)
    )
    return set(rows)


def _of_tenant(tenant_id: int) -> ColumnElement[bool]:
    return or_(
        Number.user_id.in_(select(User.id).where(User.tenant_id == tenant_id)),
        Number.group_id.in_(select(Group.id).where(Group.tenant_id == tenant_id)),
    )


def numbers(session: Session, tenant_id: int) -> list[Number]:
    return list(
        session.scalars(
            select(Number)
            .where(_of_tenant(tenant_id))
            .options(selectinload(Number.user), selectinload(Number.group))
            .order_by(Number.e164)
        )
    )


def number(session: Session, tenant_id: int, number_id: int) -> Number | None:
    return session.scalar(select(Number).where(Number.id == number_id, _of_tenant(tenant_id)))


def number_by_e164(session: Session, e164: str) -> Number | None:
    return session.scalar(select(Number).where(Number.e164 == e164))


def owner_name(row: Number) -> str:
    """``user 'ann'`` or ``group 'Support'``."""
    if row.user is not None:
        return f"user {row.user.username!r}"
    assert row.group is not None
    return f"group {row.group.name!r}"


def forget_presented(session: Session, tenant_id: int, e164: str, keep: int | None) -> list[int]:
    """Users of the tenant who showed ``e164`` on their calls out show their own number again
    (except user ``keep``, the number's new owner); their ids."""
    ids = list(
        session.scalars(
            select(User.id).where(
                User.tenant_id == tenant_id,
                User.presented_number == e164,
                User.id != (keep if keep is not None else -1),
            )
        )
    )
    if ids:
        session.execute(update(User).where(User.id.in_(ids)).values(presented_number=None))
    return ids


def tenants(session: Session) -> list[tuple[Tenant, int]]:
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


def user_count(session: Session, tenant_id: int) -> int:
    return session.scalar(select(func.count(User.id)).where(User.tenant_id == tenant_id)) or 0


def tenant_taken(session: Session, name: str, sip_domain: str) -> str | None:
    """Why a new tenant cannot have ``name`` or ``sip_domain`` (None: it can)."""
    if session.scalar(select(Tenant.id).where(Tenant.name == name)) is not None:
        return f"a tenant named {name!r} exists"
    if session.scalar(select(Tenant.id).where(Tenant.sip_domain == sip_domain)) is not None:
        return f"SIP domain {sip_domain} is used by another tenant"
    return None


def has_tenant_admin(session: Session, tenant_id: int) -> bool:
    """Whether an enabled tenant admin of the tenant exists."""
    found = select(User.id).where(
        User.tenant_id == tenant_id, User.tenant_admin, User.disabled.is_(False)
    )
    return session.scalar(found.limit(1)) is not None
