"""An in-process stand-in for `@serve.batch` on async generators, for running the model without Serve.

`@serve.batch` needs a Serve replica context, so the in-process path (the bench's direct baseline, tests,
a developer's single process) batches with this class instead. Same semantics: a batch closes when it is
full or `batch_wait_timeout_s` after its first request; at most `max_concurrent_batches` run at once; the
handler yields one list per step with an entry per request, `StopIteration` ending that request's stream.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")

BatchHandler = Callable[[list[T]], AsyncIterator[list[Any]]]

_ITEM, _END, _ERROR = 0, 1, 2


class LocalStreamBatcher(Generic[T]):
    def __init__(
        self, handler: BatchHandler[T], max_batch_size: int = 8, batch_wait_timeout_s: float = 0.01,
        max_concurrent_batches: int = 1,
    ) -> None:
        self._handler = handler
        self._max_batch_size = max_batch_size
        self._wait_s = batch_wait_timeout_s
        self._max_concurrent = max(1, max_concurrent_batches)
        self._pending: asyncio.Queue[tuple[T, asyncio.Queue[tuple[int, Any]]]] | None = None
        self._worker: asyncio.Task[None] | None = None
        self._running: set[asyncio.Task[None]] = set()

    def set_max_batch_size(self, size: int) -> None:
        self._max_batch_size = max(1, size)

    def set_batch_wait_timeout_s(self, seconds: float) -> None:
        self._wait_s = max(0.0, seconds)

    def _get_max_batch_size(self) -> int:
        return self._max_batch_size

    def _get_batch_wait_timeout_s(self) -> float:
        return self._wait_s

    async def submit(self, item: T) -> AsyncIterator[Any]:
        loop = asyncio.get_running_loop()
        if self._pending is None or self._worker is None or self._worker.done() or self._worker.get_loop() is not loop:
            self._pending = asyncio.Queue()
            self._worker = loop.create_task(self._run())
        out: asyncio.Queue[tuple[int, Any]] = asyncio.Queue()
        self._pending.put_nowait((item, out))
        while True:
            kind, value = await out.get()
            if kind == _ITEM:
                yield value
            elif kind == _END:
                return
            else:
                raise value

    async def close(self) -> None:
        for task in [self._worker, *self._running]:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _next_batch(self) -> list[tuple[T, asyncio.Queue[tuple[int, Any]]]]:
        assert self._pending is not None
        batch = [await self._pending.get()]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._wait_s
        while len(batch) < self._max_batch_size:
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            try:
                batch.append(await asyncio.wait_for(self._pending.get(), remaining))
            except TimeoutError:
                break
        return batch

    async def _run(self) -> None:
        slots = asyncio.Semaphore(self._max_concurrent)
        while True:
            await slots.acquire()
            try:
                batch = await self._next_batch()
            except BaseException:
                slots.release()
                raise
            task = asyncio.get_running_loop().create_task(self._serve(batch))
            self._running.add(task)

            def finished(done: asyncio.Task[None]) -> None:
                self._running.discard(done)
                slots.release()

            task.add_done_callback(finished)

    async def _serve(self, batch: list[tuple[T, asyncio.Queue[tuple[int, Any]]]]) -> None:
        outs = [out for _, out in batch]
        ended = [False] * len(batch)
        try:
            async for results in self._handler([item for item, _ in batch]):
                for j, result in enumerate(results):
                    if ended[j]:
                        continue
                    if result is StopIteration or result is StopAsyncIteration:
                        ended[j] = True
                        outs[j].put_nowait((_END, None))
                    else:
                        outs[j].put_nowait((_ITEM, result))
            for j, out in enumerate(outs):
                if not ended[j]:
                    out.put_nowait((_END, None))
        except Exception as exc:  # every caller of the failed batch gets the error; the worker goes on
            for j, out in enumerate(outs):
                if not ended[j]:
                    out.put_nowait((_ERROR, exc))
