"""The tenant admin's phones (devices) of their company's users: list, add, remove.

A phone's SIP password is shown once, when it is added (the one given, or one helin made);
helin keeps only its digests. After every change the SIP side reloads its phones.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from helin.api.context import ApiContext
from helin.api.schemas.devices import DeviceCreate, DevicePublic, NewDevice
from helin.api.services.errors import Conflict, NotFound
from helin.api.services.security import Principal, tenant_admin
from helin.api.services.users import own_tenant, tenant_user
from helin.store import accounts, audit, devices
from helin.store.tables import Device


def device_public(device: Device, sip_domain: str, ctx: ApiContext) -> DevicePublic:
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


def list_devices(ctx: ApiContext, me: Principal, user_id: int) -> list[DevicePublic]:
    """The user's phones with their terminal status."""
    tenant_admin(me)
    with ctx.sessions() as session:
        tenant = own_tenant(session, me)
        user = tenant_user(session, me, user_id)
        return [device_public(d, tenant.sip_domain, ctx) for d in devices.of_user(session, user.id)]


def create_device(ctx: ApiContext, me: Principal, user_id: int, body: DeviceCreate) -> NewDevice:
    """A new phone of the user, with its SIP password (shown only now)."""
    tenant_admin(me)
    password = body.password or accounts.random_password()
    taken = f"SIP user name {body.sip_username!r} is taken"
    try:
        with ctx.sessions.begin() as session:
            tenant = own_tenant(session, me)
            user = tenant_user(session, me, user_id)
            if devices.name_taken(session, body.sip_username):
                raise Conflict(taken)
            device = devices.add(
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


def delete_device(ctx: ApiContext, me: Principal, user_id: int, device_id: int) -> None:
    tenant_admin(me)
    with ctx.sessions.begin() as session:
        user = tenant_user(session, me, user_id)
        device = session.get(Device, device_id)
        if device is None or device.user_id != user.id:
            raise NotFound("no such device")
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
