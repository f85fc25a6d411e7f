"""FastAPI dependencies: the shared context and the caller's tenant (from a bearer API key)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from relaydesk.gateway.auth import check_admin
from relaydesk.gateway.context import GatewayContext

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
    return tenant


def require_admin(
    ctx: Context, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> None:
    expected = ctx.settings.admin_key.get_secret_value() if ctx.settings.admin_key else None
    if credentials is None or not check_admin(credentials.credentials, expected):
        raise _unauthorized("admin key required")


Tenant = Annotated[str, Depends(get_tenant)]
Admin = Annotated[None, Depends(require_admin)]
