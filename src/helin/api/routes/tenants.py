"""The operator's tenants (companies): ``/api/v1/tenants``."""

from __future__ import annotations

from fastapi import APIRouter

from helin.api.deps import ContextDep, Operator, RowId
from helin.api.schemas.tenants import AdminCreate, TenantCreate, TenantPublic, TenantUpdate
from helin.api.schemas.users import NewUser
from helin.api.services import tenants

router = APIRouter(prefix="/api/v1", tags=["admin"])


@router.get("/tenants", response_model=list[TenantPublic], responses={403: {}})
def list_tenants(me: Operator, ctx: ContextDep) -> list[TenantPublic]:
    return tenants.list_tenants(ctx, me)


@router.post("/tenants", response_model=TenantPublic, status_code=201, responses={403: {}, 409: {}})
def create_tenant(body: TenantCreate, me: Operator, ctx: ContextDep) -> TenantPublic:
    return tenants.create_tenant(ctx, me, body)


@router.get("/tenants/{tenant_id}", response_model=TenantPublic, responses={403: {}, 404: {}})
def get_tenant(tenant_id: RowId, me: Operator, ctx: ContextDep) -> TenantPublic:
    return tenants.get_tenant(ctx, me, tenant_id)


@router.patch(
    "/tenants/{tenant_id}", response_model=TenantPublic, responses={403: {}, 404: {}, 422: {}}
)
def update_tenant(
    tenant_id: RowId, body: TenantUpdate, me: Operator, ctx: ContextDep
) -> TenantPublic:
    """Change the fields sent: the add-ons and the recordings' retention (30 or 60 days)."""
    return tenants.update_tenant(ctx, me, tenant_id, body)


@router.post(
    "/tenants/{tenant_id}/admins",
    response_model=NewUser,
    status_code=201,
    responses={403: {}, 404: {}, 409: {}},
)
def create_first_admin(
    tenant_id: RowId, body: AdminCreate, me: Operator, ctx: ContextDep
) -> NewUser:
    """The tenant's first tenant admin (409 once it has one: they make the other users)."""
    return tenants.create_first_admin(ctx, me, tenant_id, body)
