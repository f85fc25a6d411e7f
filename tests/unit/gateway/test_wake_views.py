"""The gateway's views read at their busy pace after a request, not after a probe or a scrape."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from relaydesk.gateway.app import WakeViews


class Ctx:
    def __init__(self) -> None:
        self.wakes = 0

    def wake_views(self) -> None:
        self.wakes += 1


def _call(middleware: WakeViews, path: str, kind: str = "http") -> list[str]:
    reached: list[str] = []

    async def run() -> None:
        async def receive() -> dict:
            return {"type": "http.request"}

        async def send(_: dict) -> None:
            return None

        await middleware({"type": kind, "path": path}, receive, send)

    async def inner(scope: dict, receive: object, send: object) -> None:
        reached.append(scope["path"])

    middleware.app = inner
    asyncio.run(run())
    return reached


def test_when_someone_calls_the_api_then_the_views_wake_and_the_request_goes_on() -> None:
    ctx = Ctx()
    middleware = WakeViews(lambda *_: None, owner=SimpleNamespace(state=SimpleNamespace(ctx=ctx)))
    assert _call(middleware, "/conversations/c1/events") == ["/conversations/c1/events"]
    assert _call(middleware, "/messages") == ["/messages"]
    assert ctx.wakes == 2


def test_when_a_probe_or_a_scrape_comes_then_the_views_stay_idle() -> None:
    ctx = Ctx()
    middleware = WakeViews(lambda *_: None, owner=SimpleNamespace(state=SimpleNamespace(ctx=ctx)))
    for path in ("/healthz", "/readyz", "/metrics"):
        assert _call(middleware, path) == [path]
    assert _call(middleware, "/", kind="lifespan") == ["/"]
    assert ctx.wakes == 0


def test_when_the_context_is_not_started_yet_then_requests_still_pass() -> None:
    middleware = WakeViews(lambda *_: None, owner=SimpleNamespace(state=SimpleNamespace()))
    assert _call(middleware, "/messages") == ["/messages"]
