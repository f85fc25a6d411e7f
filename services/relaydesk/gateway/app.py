"""The gateway's FastAPI application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from relaydesk import __version__
from relaydesk.common.settings import KafkaSettings
from relaydesk.gateway.config import GatewaySettings
from relaydesk.gateway.context import GatewayContext
from relaydesk.gateway.routes import agent, campaigns, consent, console, knowledge, messages, ops, qa, tenants

# Probes and scrapes are not someone at work: they must not keep the views at their busy pace.
QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


class WakeViews:
    """Every other request means someone is at work: the gateway's views read at their busy pace for a while."""

    def __init__(self, app: ASGIApp, owner: Any) -> None:
        self.app = app
        self.owner = owner  # the FastAPI app, whose state holds the context once its lifespan has started

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] not in QUIET_PATHS:
            ctx = getattr(self.owner.state, "ctx", None)
            if ctx is not None:
                ctx.wake_views()
        await self.app(scope, receive, send)


def create_app(settings: GatewaySettings | None = None, kafka: KafkaSettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()
    kafka = kafka or KafkaSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.ctx = GatewayContext.start(settings, kafka)
        try:
            yield
        finally:
            await app.state.ctx.close()

    app = FastAPI(
        title="relaydesk gateway",
        version=__version__,
        description="Customer messages in, grounded and checked replies out.",
        lifespan=lifespan,
    )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        # Precise, but without echoing the submitted values (they may be customer PII).
        errors = [
            {"loc": [str(p) for p in err.get("loc", ())], "msg": err.get("msg", ""), "type": err.get("type", "")}
            for err in exc.errors()
        ]
        return JSONResponse(
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
            content={"error": "invalid_request", "detail": errors},
        )

    app.add_middleware(WakeViews, owner=app)
    for module in (messages, knowledge, tenants, ops, agent, console, consent, campaigns, qa):
        app.include_router(module.router)
    return app
