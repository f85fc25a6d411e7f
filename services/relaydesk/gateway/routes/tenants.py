"""Tenants (admin) and a tenant's own configuration."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, status
from pydantic import ValidationError

from relaydesk.common import serde
from relaydesk.common.tenant_configs import revision_at
from relaydesk.common.topics import Topics
from relaydesk.events import TenantConfig
from relaydesk.gateway.deps import Admin, Context, Tenant
from relaydesk.gateway.schemas import TenantConfigIn, TenantCreated, TenantIn

router = APIRouter(prefix="/v1", tags=["tenants"])


@router.post("/admin/tenants", response_model=TenantCreated)
async def add_tenant(body: TenantIn, _: Admin, ctx: Context) -> TenantCreated:
    """Register a tenant and return its API key (shown once). An existing tenant is left as it is."""
    try:
        key = ctx.keys.add(body.tenant_id)
    except OSError:
        # In a cluster the keys file is a read-only Secret mount: tenants are managed by the deployment.
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            detail="this gateway's API keys are managed by its deployment (read-only keys file); "
            "add the tenant's key hash to the chart's values",
        ) from None
    return TenantCreated(tenant_id=body.tenant_id, created=key is not None, api_key=key)


@router.get("/admin/tenants")
async def list_tenants(_: Admin, ctx: Context) -> dict[str, list[str]]:
    return {"tenants": ctx.keys.tenants()}


@router.get("/tenant/config")
async def get_config(tenant: Tenant, ctx: Context) -> dict[str, Any]:
    config = ctx.tenant_config(tenant)
    return {"tenant_id": tenant, "config": serde.to_document(config) if config else None}


@router.put("/tenant/config", status_code=status.HTTP_202_ACCEPTED)
async def put_config(body: TenantConfigIn, tenant: Tenant, ctx: Context) -> dict[str, Any]:
    """Replace the tenant's configuration; every processor reloads it without a restart."""
    current = ctx.tenant_config(tenant)
    try:
        config = TenantConfig(tenant_id=tenant, revision=(current.revision + 1) if current else 1, **body.model_dump())
    except ValidationError as exc:
        problems = "; ".join(f"{'/'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=problems) from None
    delivered = await ctx.producer.send(Topics.TENANT_CONFIG, serde.serialize(config), key=tenant.encode())
    # The revision every reader applies is the record's offset (common/tenant_configs.py): one ordering however
    # many gateways take PUTs at once. The revision written above is only this gateway's guess.
    return {"tenant_id": tenant, "revision": revision_at(int(delivered.offset() or 0)), "event_id": config.event_id}
