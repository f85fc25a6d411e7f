"""FastAPI dependencies: the shared context and the caller's tenant (from a bearer API key)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from relaydesk.gateway import metrics
from relaydesk.gateway.auth import check_admin
from relaydesk.gateway.context import GatewayContext
from relaydesk.gateway.ratelimit import retry_after_header

bearer = HTTPBearer(auto_error=False, description="Per-tenant API key: `Authorization: Bearer <key>`")


def get_context(request: Request) -> GatewayContext:
    ctx: GatewayContext = request.app.state.ctx
    return ctx


Context = Annotated[GatewayContext, Depends(get_context)]


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"})


def get_tenant(
    ctx: Context, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> str:
    if credentials is None or not credentials.credentials:
        raise _unauthorized("missing API key: send `Authorization: Bearer <key>`")
    tenant = ctx.keys.tenant_for(credentials.credentials)
    if tenant is None:
        raise _unauthorized("unknown API key")
    wait_s = ctx.limiter.take(tenant)
    if wait_s > 0:
        metrics.RATE_LIMITED.labels(tenant).inc()
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            detail="rate limit reached for this tenant",
            headers={"Retry-After": retry_after_header(wait_s)},
        )
    return tenant


def require_admin(
    ctx: Context, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> None:
    expected = ctx.settings.admin_key.get_secret_value() if ctx.settings.admin_key else None
    if credentials is None or not check_admin(credentials.credentials, expected):
        raise _unauthorized("admin key required")


def is_operator(ctx: GatewayContext, credentials: HTTPAuthorizationCredentials | None) -> bool:
    """Whether the caller presented the admin key or the platform's internal service token."""
    if credentials is None or not credentials.credentials:
        return False
    secrets = (ctx.settings.admin_key, ctx.settings.internal_token)
    return any(check_admin(credentials.credentials, s.get_secret_value()) for s in secrets if s is not None)


Tenant = Annotated[str, Depends(get_tenant)]
Admin = Annotated[None, Depends(require_admin)]
