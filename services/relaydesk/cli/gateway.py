"""`relaydesk gateway`: run the HTTP gateway."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default=None, help="bind address (default from RELAYDESK_GATEWAY_HOST)")
    parser.add_argument("--port", type=int, default=None)
    parser.add_argument("--loglevel", default="info")


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from relaydesk.common.logs import setup_logging
    from relaydesk.common.tracing import setup_tracing, shutdown_tracing
    from relaydesk.gateway.app import create_app
    from relaydesk.gateway.config import GatewaySettings

    setup_logging(args.loglevel)
    setup_tracing("gateway")
    overrides = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    settings = GatewaySettings(**overrides)
    try:
        uvicorn.run(
            create_app(settings),
            host=settings.host,
            port=settings.port,
            log_level=args.loglevel,
            access_log=False,  # URLs carry conversation ids only, but keep access logs to the proxy in front
        )
    finally:
        shutdown_tracing()
    return 0
