"""The gateway's FastAPI application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from relaydesk import __version__
from relaydesk.common.settings import KafkaSettings
from relaydesk.gateway.config import GatewaySettings
from relaydesk.gateway.context import GatewayContext
from relaydesk.gateway.routes import agent, campaigns, consent, console, knowledge, messages, ops, qa, tenants


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

    for module in (messages, knowledge, tenants, ops, agent, console, consent, campaigns, qa):
        app.include_router(module.router)
    return app
