"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response, status
from fastapi.security import HTTPAuthorizationCredentials
from prometheus_client import CONTENT_TYPE_LATEST

from relaydesk.gateway import metrics_view
from relaydesk.gateway.deps import Context, bearer, is_operator

router = APIRouter(tags=["operations"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(ctx: Context, response: Response) -> dict[str, object]:
    ready = ctx.ready
    if not ready:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return {"ready": ready, "consumers": {c.name: c.ready for c in ctx.consumers}}


@router.get("/metrics", include_in_schema=False)
async def prometheus_metrics(
    ctx: Context, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Response:
    """Every series, tenant labels summed away unless the admin key or the internal token is presented."""
    body = metrics_view.render(full=is_operator(ctx, credentials))
    return Response(body, media_type=CONTENT_TYPE_LATEST)
