"""Run a Faust app inside a test's event loop, and wait until its consumer owns partitions."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import faust
from faust.exceptions import ConsumerNotStarted


@contextlib.asynccontextmanager
async def running(app: faust.App, timeout_s: float = 30.0) -> AsyncIterator[faust.App]:
    task = asyncio.create_task(app.start())
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while loop.time() < deadline:
            if task.done() and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]
            consumer = app._consumer
            try:
                if consumer is not None and consumer.assignment():
                    break
            except ConsumerNotStarted:
                pass
            await asyncio.sleep(0.1)
        else:
            raise TimeoutError(f"{app.conf.id} got no partitions within {timeout_s}s")
        yield app
    finally:
        await app.stop()
        with contextlib.suppress(Exception):
            await task
