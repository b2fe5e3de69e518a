"""The tenant admin's phones of their company's users: ``/api/v1/users/{id}/devices``."""

from __future__ import annotations

from fastapi import APIRouter

from helin.api.deps import ContextDep, RowId, TenantAdmin
from helin.api.routes.users import CHANGES, NOT_MINE
from helin.api.schemas.devices import DeviceCreate, DevicePublic, NewDevice
from helin.api.services import devices

router = APIRouter(prefix="/api/v1", tags=["admin"])


@router.get("/users/{user_id}/devices", response_model=list[DevicePublic], responses=NOT_MINE)
def list_devices(user_id: RowId, me: TenantAdmin, ctx: ContextDep) -> list[DevicePublic]:
    return devices.list_devices(ctx, me, user_id)


@router.post(
    "/users/{user_id}/devices", response_model=NewDevice, status_code=201, responses=CHANGES
)
def create_device(
    user_id: RowId, body: DeviceCreate, me: TenantAdmin, ctx: ContextDep
) -> NewDevice:
    """A new phone of the user. The answer holds the SIP password once (the one you gave,
    or one helin made); helin keeps only its digests."""
    return devices.create_device(ctx, me, user_id, body)


@router.delete("/users/{user_id}/devices/{device_id}", status_code=204, responses=NOT_MINE)
def delete_device(user_id: RowId, device_id: RowId, me: TenantAdmin, ctx: ContextDep) -> None:
    devices.delete_device(ctx, me, user_id, device_id)
