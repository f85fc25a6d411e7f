"""Continuous batching under `@serve.batch`.

`@serve.batch` groups requests that arrive together (up to max_batch_size, waiting batch_wait_timeout_s)
and runs several groups concurrently. Decoding each group on its own would make a request that arrives
just after a group closed wait for that whole group to finish, or run a second, separate forward pass per
step. Here every group's rows join one running batch at the next step boundary instead: one prefill for the
newcomers, then one forward pass per step for all rows. Through Serve, requests arrive spread out by the
HTTP hop; this keeps batches full anyway, which is what keeps Serve's throughput near the in-process one.

One loop task drives the engine on one decode thread; each group's stream gets, per step, one entry per
request (`StopIteration` once that request has ended), which is what `@serve.batch` generators yield.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any, cast

from relaydesk.generation.engine import EngineRequest, GenerationEngine, Outputs, RunningBatch, StepOutput

log = logging.getLogger(__name__)

_EMPTY = StepOutput("", False, None, 0)


@dataclass
class _Group:
    requests: list[EngineRequest]
    queue: asyncio.Queue[Any] = field(default_factory=asyncio.Queue)
    ended: list[bool] = field(default_factory=list)
    waiting: list[int] = field(default_factory=list)  # rows not admitted yet

    def __post_init__(self) -> None:
        self.ended = [False] * len(self.requests)
        self.waiting = list(range(len(self.requests)))


async def drain(queue: asyncio.Queue[Any]) -> AsyncIterator[Any]:
    """A request group's results as the decode loop puts them: steps, then None at the end; an exception put
    there is raised to the caller."""
    while True:
        item = await queue.get()
        if item is None:
            return
        if isinstance(item, BaseException):
            raise item
        yield item


class ContinuousScheduler:
    def __init__(self, engine: GenerationEngine, executor: Executor, max_running_rows: int = 16,
                 on_step: Callable[[], None] | None = None) -> None:
        self.engine = engine
        self.executor = executor
        self.max_running_rows = max_running_rows
        self.on_step = on_step or (lambda: None)
        self._waiting: list[_Group] = []
        self._batches: list[RunningBatch] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.busy_since: float | None = None

    @property
    def running_rows(self) -> int:
        return sum(len(b) for b in self._batches)

    async def stream(self, requests: list[EngineRequest]) -> AsyncIterator[list[Any]]:
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done() or self._task.get_loop() is not loop:
            # First use, or a new event loop (a test, a second asyncio.run): state tied to the old loop goes.
            self._wake, self._waiting, self._batches = asyncio.Event(), [], []
            self._task = loop.create_task(self._loop())
        group = _Group(list(requests))
        self._waiting.append(group)
        self._wake.set()
        async for item in drain(group.queue):
            yield item

    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if not self._batches and not self._waiting:
                self.busy_since = None
                self._wake.clear()
                await self._wake.wait()
            if self.busy_since is None:
                self.busy_since = time.monotonic()
            try:
                await self._decode_running(loop)
                await self._admit_waiting(loop)
            except Exception as exc:  # a bug here must not leave every caller waiting forever
                everyone = [g for b in self._batches for g in _groups_of(b)] + self._waiting
                self._batches = []
                self._fail(everyone, exc)
            self.on_step()

    async def _decode_running(self, loop: asyncio.AbstractEventLoop) -> None:
        for batch in list(self._batches):
            try:
                kept, outputs = await loop.run_in_executor(self.executor, self.engine.decode, batch)
            except Exception as exc:
                self._batches.remove(batch)
                self._fail(_groups_of(batch), exc)
                continue
            if kept is None:
                self._batches.remove(batch)
            self._dispatch(outputs)

    async def _admit_waiting(self, loop: asyncio.AbstractEventLoop) -> None:
        # First come, first admitted, row by row: a large group takes what room there is and the rest of it
        # joins as rows finish, so it never holds back the requests behind it.
        room = self.max_running_rows - self.running_rows
        admitted: list[_Group] = []
        keyed: list[tuple[Any, EngineRequest]] = []
        while self._waiting and room > 0:
            group = self._waiting[0]
            take, group.waiting = group.waiting[:room], group.waiting[room:]
            keyed.extend(((group, i), group.requests[i]) for i in take)
            admitted.append(group)
            room -= len(take)
            if not group.waiting:
                self._waiting.pop(0)
        if not keyed:
            return
        try:
            batch, outputs = await loop.run_in_executor(self.executor, self.engine.prefill, keyed)
        except Exception as exc:
            self._fail(admitted, exc)
            return
        if batch is not None:
            target = self._batches[0] if self._batches else None
            try:
                merged = None
                if target is not None:
                    merged = await loop.run_in_executor(self.executor, self.engine.merge, target, batch)
            except Exception as exc:  # the running batch may be half-merged: neither can go on
                self._batches.remove(target)  # type: ignore[arg-type]
                self._fail([*_groups_of(target), *admitted], exc)  # type: ignore[arg-type]
                return
            if merged is None:
                self._batches.append(batch)
        self._dispatch(outputs)

    def _dispatch(self, outputs: Outputs) -> None:
        by_group: dict[int, tuple[_Group, dict[int, StepOutput]]] = {}
        for key, out in outputs:
            group, index = cast(tuple[_Group, int], key)
            by_group.setdefault(id(group), (group, {}))[1][index] = out
        for group, outs in by_group.values():
            step: list[Any] = []
            for i in range(len(group.requests)):
                if i in outs:
                    step.append(outs[i])
                    group.ended[i] = group.ended[i] or outs[i].finished
                else:
                    step.append(StopIteration if group.ended[i] else _EMPTY)
            group.queue.put_nowait(step)
            if all(group.ended):
                group.queue.put_nowait(None)

    def _fail(self, groups: list[_Group], exc: BaseException) -> None:
        """A batch's KV state is lost: every caller with rows in it gets the error (the loop goes on)."""
        log.error("decoding failed", extra={"error_type": type(exc).__name__, "groups": len(groups)})
        failed = {id(g) for g in groups}
        self._waiting = [g for g in self._waiting if id(g) not in failed]
        for group in groups:
            group.queue.put_nowait(exc)


def _groups_of(batch: RunningBatch) -> list[_Group]:
    groups: dict[int, _Group] = {}
    for row in batch.rows:
        group = cast(tuple[_Group, int], row.key)[0]
        groups[id(group)] = group
    return list(groups.values())
