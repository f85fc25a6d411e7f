"""Scheduling for the CTranslate2 engine, with the same `stream(requests)` contract as `ContinuousScheduler`.

Each `@serve.batch` group's stream gets, per emitted token, one entry per request (`StopIteration` once that
request has ended, an empty `StepOutput` for rows with nothing new). CTranslate2 owns its KV cache, so rows
cannot join a running call between two steps; instead:

- `rows` (the default): one `generate_batch` call per request, up to `parallel` calls at once (CTranslate2's
  inter_threads share one copy of the weights). A request that arrives while others decode starts at once.
  A call that starts while no other runs goes to the engine's solo generator when it has one (more threads
  for one row); the rows that join it meanwhile run on the shared generator.
- `batch`: every waiting row (up to `max_running_rows`, one temperature) in one call, after a short admission
  wait; newcomers wait for the running call to end. Prompts of different lengths change the longer rows'
  greedy outputs in CTranslate2 (see `ct2_engine`), so this mode is for measurement.

A caller that goes away (its stream closed) or a row past the request deadline stops decoding at the next token.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from relaydesk.generation.ct2_engine import Ct2Engine, Ct2Row
from relaydesk.generation.engine import EngineRequest, StepOutput
from relaydesk.generation.scheduler import drain

log = logging.getLogger(__name__)

_EMPTY = StepOutput("", False, None, 0)
Batching = Literal["rows", "batch"]


@dataclass
class _Group:
    requests: list[EngineRequest]
    queue: asyncio.Queue[Any] = field(default_factory=asyncio.Queue)
    ended: list[bool] = field(default_factory=list)
    cancelled: bool = False

    def __post_init__(self) -> None:
        self.ended = [False] * len(self.requests)


class Ct2Scheduler:
    def __init__(self, engine: Ct2Engine, max_running_rows: int = 16, parallel: int = 2,
                 batching: Batching = "rows", deadline_s: float | None = None, admit_wait_s: float = 0.01,
                 on_step: Callable[[], None] | None = None) -> None:
        self.engine = engine
        self.batching = batching
        self.max_running_rows = max_running_rows
        self.slots = 1 if batching == "batch" else max(1, parallel)
        self.deadline_s = deadline_s
        self.admit_wait_s = admit_wait_s
        self.on_step = on_step or (lambda: None)
        self._executor = ThreadPoolExecutor(max_workers=self.slots, thread_name_prefix="ct2")
        self._waiting: deque[Ct2Row] = deque()
        self._calls = 0
        self._running = 0
        self._pump_scheduled = False
        self.busy_since: float | None = None

    @property
    def running_rows(self) -> int:
        return self._running

    async def stream(self, requests: list[EngineRequest]) -> AsyncIterator[list[Any]]:
        loop = asyncio.get_running_loop()
        group = _Group(list(requests))
        deadline = None if self.deadline_s is None else time.monotonic() + self.deadline_s
        for i, request in enumerate(group.requests):
            self._waiting.append(self.engine.row((group, i), request, _stopper(group, request), deadline))
        if self.batching == "batch" and not self._pump_scheduled:
            self._pump_scheduled = True  # rows arriving together share the call
            loop.call_later(self.admit_wait_s, self._pump, loop)
        else:
            self._pump(loop)
        try:
            async for item in drain(group.queue):
                yield item
        finally:
            if not all(group.ended):
                group.cancelled = True  # the caller went away: its rows stop at their next token

    def _pump(self, loop: asyncio.AbstractEventLoop) -> None:
        self._pump_scheduled = False
        while self._waiting and self._calls < self.slots:
            rows = self._take()
            if not rows:
                return
            solo = self._calls == 0 and self.batching == "rows" and self.engine.has_solo
            self._calls += 1
            self._running += len(rows)
            if self.busy_since is None:
                self.busy_since = time.monotonic()
            loop.create_task(self._run(loop, rows, solo))

    def _take(self) -> list[Ct2Row]:
        rows: list[Ct2Row] = []
        limit = self.max_running_rows if self.batching == "batch" else 1
        while self._waiting and len(rows) < limit:
            row = self._waiting[0]
            if row.should_stop():  # cancelled before it started: it still ends for whoever drains its group
                self._waiting.popleft()
                self._dispatch(row, StepOutput("", True, "stop", 0))
                continue
            if rows and row.request.temperature != rows[0].request.temperature:
                break
            rows.append(self._waiting.popleft())
        return rows

    async def _run(self, loop: asyncio.AbstractEventLoop, rows: list[Ct2Row], solo: bool = False) -> None:
        def emit(row: Ct2Row, out: StepOutput) -> None:  # on a CTranslate2 thread
            loop.call_soon_threadsafe(self._dispatch, row, out)

        try:
            await loop.run_in_executor(self._executor, functools.partial(self.engine.generate, rows, emit, solo=solo))
        except Exception as exc:  # the call's rows are lost: their callers get the error
            log.error("decoding failed", extra={"error_type": type(exc).__name__, "rows": len(rows)})
            for group in {id(_group(r)): _group(r) for r in rows}.values():
                group.queue.put_nowait(exc)
        else:
            # A row the engine left without a last step (an end token, or cancelled: its request's cancel
            # was set while the batcher, not the caller, drains the group) still ends, or the batch's stream
            # would wait for it forever and hold its batcher slot.
            for row in rows:
                if not _group(row).ended[cast(tuple[_Group, int], row.key)[1]]:
                    self._dispatch(row, StepOutput("", True, "stop", len(row.generated)))
        finally:
            self._calls -= 1
            self._running -= len(rows)
            if not self._calls and not self._waiting:
                self.busy_since = None
            self._pump(loop)

    def _dispatch(self, row: Ct2Row, out: StepOutput) -> None:
        group, index = cast(tuple[_Group, int], row.key)
        if group.ended[index]:
            return
        step: list[Any] = [StopIteration if ended else _EMPTY for ended in group.ended]
        step[index] = out
        group.ended[index] = out.finished
        group.queue.put_nowait(step)
        if all(group.ended):
            group.queue.put_nowait(None)
        self.on_step()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._executor.shutdown(wait=False, cancel_futures=True)


def _stopper(group: _Group, request: EngineRequest) -> Callable[[], bool]:
    cancel = request.cancel
    if cancel is None:
        return lambda: group.cancelled
    return lambda: group.cancelled or cancel.is_set()


def _group(row: Ct2Row) -> _Group:
    return cast(tuple[_Group, int], row.key)[0]
