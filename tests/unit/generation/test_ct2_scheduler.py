"""The CTranslate2 scheduler, driven with a counting engine: parallel rows, shared calls, cancellation."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

from relaydesk.generation.ct2_engine import Ct2Row
from relaydesk.generation.ct2_scheduler import Ct2Scheduler
from relaydesk.generation.engine import EngineRequest, StepOutput


class CountingCt2Engine:
    """Row i emits "1", "2", ... up to its max_new_tokens, a step every 20 ms; records each call's rows, the
    most calls running at once, whether each call was asked for the solo lane, and every row's token count when
    it stopped."""

    has_solo = False

    def __init__(self) -> None:
        self.calls: list[int] = []
        self.solo: list[bool] = []
        self.most_at_once = 0
        self.stopped_at: list[int] = []
        self._running = 0
        self._lock = threading.Lock()

    def row(self, key: Any, request: EngineRequest, should_stop: Any = lambda: False,
            deadline: float | None = None) -> Ct2Row:
        return Ct2Row(key, request, stream=None, should_stop=should_stop, deadline=deadline)  # type: ignore[arg-type]

    def generate(self, rows: list[Ct2Row], emit: Any, solo: bool = False) -> None:
        with self._lock:
            self.calls.append(len(rows))
            self.solo.append(solo)
            self._running += 1
            self.most_at_once = max(self.most_at_once, self._running)
        try:
            for step in range(1, max(r.request.max_new_tokens for r in rows) + 1):
                if all(r.finished for r in rows):
                    break  # as CTranslate2: the call ends when its last row stops
                time.sleep(0.02)
                for row in rows:
                    if row.finished:
                        continue
                    late = row.deadline is not None and time.monotonic() > row.deadline
                    if row.should_stop() or late:
                        row.finished = True
                        self.stopped_at.append(step - 1)
                        if late:  # as the real engine: the row ends with what it has
                            emit(row, StepOutput("", True, "length", step - 1))
                        continue
                    done = step >= row.request.max_new_tokens
                    row.finished = done
                    emit(row, StepOutput(str(step), done, "length" if done else None, step))
        finally:
            with self._lock:
                self._running -= 1


class SoloCountingEngine(CountingCt2Engine):
    """With a solo lane (each call's `solo` is recorded in `self.solo`)."""

    has_solo = True


def req(n: int) -> EngineRequest:
    return EngineRequest(prompt_ids=(1, 2), max_new_tokens=n)


async def collect(scheduler: Ct2Scheduler, lengths: list[int]) -> list[str]:
    texts = [""] * len(lengths)
    async for step in scheduler.stream([req(n) for n in lengths]):
        assert len(step) == len(lengths)
        for i, out in enumerate(step):
            if out is not StopIteration:
                texts[i] += out.delta
    return texts


async def settled(scheduler: Ct2Scheduler, deadline_s: float = 2.0) -> bool:
    """Whether the scheduler's last call ended within `deadline_s`: a stream ends on the last token, which the
    decoding thread hands over before its call returns, so the call's bookkeeping can trail the stream a little."""
    end = time.monotonic() + deadline_s
    while scheduler.running_rows and time.monotonic() < end:
        await asyncio.sleep(0.01)
    return scheduler.running_rows == 0


async def test_when_rows_mode_then_each_request_has_its_own_call_up_to_the_parallel_limit() -> None:
    engine = CountingCt2Engine()
    scheduler = Ct2Scheduler(engine, parallel=2, batching="rows")  # type: ignore[arg-type]
    results = await asyncio.gather(collect(scheduler, [3, 2]), collect(scheduler, [4]))
    assert results == [["123", "12"], ["1234"]]
    assert engine.calls == [1, 1, 1] and engine.most_at_once == 2
    assert await settled(scheduler) and scheduler.busy_since is None


async def test_when_a_request_starts_alone_then_it_decodes_on_the_solo_lane_and_one_joining_it_does_not() -> None:
    engine = SoloCountingEngine()
    scheduler = Ct2Scheduler(engine, parallel=2, batching="rows")  # type: ignore[arg-type]
    first = asyncio.create_task(collect(scheduler, [10]))
    await asyncio.sleep(0.05)  # the first call is decoding
    assert await collect(scheduler, [2]) == ["12"]
    assert await first == ["12345678910"]
    assert engine.solo == [True, False]
    assert await settled(scheduler)
    assert await collect(scheduler, [1]) == ["1"] and engine.solo[-1] is True  # alone again


async def test_when_batch_mode_then_rows_arriving_together_share_one_call() -> None:
    engine = CountingCt2Engine()
    scheduler = Ct2Scheduler(engine, batching="batch", admit_wait_s=0.05)  # type: ignore[arg-type]
    results = await asyncio.gather(collect(scheduler, [2, 3]), collect(scheduler, [1]))
    assert results == [["12", "123"], ["1"]] and engine.calls == [3]


async def test_when_the_caller_goes_away_then_its_row_stops_decoding() -> None:
    engine = CountingCt2Engine()
    scheduler = Ct2Scheduler(engine, parallel=1)  # type: ignore[arg-type]
    stream = scheduler.stream([req(200)])
    async for _ in stream:
        break  # the first token came; the caller leaves
    await stream.aclose()
    assert await settled(scheduler)
    assert engine.stopped_at and engine.stopped_at[0] < 20
    assert await collect(scheduler, [2]) == ["12"]  # the slot is free again


async def test_when_the_deadline_passes_then_the_row_ends() -> None:
    engine = CountingCt2Engine()
    scheduler = Ct2Scheduler(engine, deadline_s=0.1)  # type: ignore[arg-type]
    texts = await asyncio.wait_for(collect(scheduler, [500]), 5)
    assert engine.stopped_at and 0 < len(texts[0]) < 100


async def test_when_a_request_is_cancelled_while_the_batcher_drains_then_its_stream_still_ends() -> None:
    # Serve's batcher, not the caller, drains the scheduler's stream; the caller leaving only sets the
    # request's cancel event. The stream must end anyway, or the batcher slot is held for good.
    engine = CountingCt2Engine()
    scheduler = Ct2Scheduler(engine, parallel=1)  # type: ignore[arg-type]
    running, waiting = threading.Event(), threading.Event()
    first = EngineRequest(prompt_ids=(1, 2), max_new_tokens=200, cancel=running)
    second = EngineRequest(prompt_ids=(1, 2), max_new_tokens=200, cancel=waiting)

    async def drain(request: EngineRequest) -> int:
        steps = 0
        async for _ in scheduler.stream([request]):
            steps += 1
            if steps == 2:
                running.set()
        return steps

    drained = asyncio.gather(drain(first), drain(second))
    waiting.set()  # the second is cancelled before it ever runs
    steps = await asyncio.wait_for(drained, 5)
    assert steps[0] < 20 and steps[1] <= 1
    assert await asyncio.wait_for(collect(scheduler, [2]), 5) == ["12"]
