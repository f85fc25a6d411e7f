"""The continuous-batching scheduler, driven with a counting engine: admission, dispatch, failure."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from relaydesk.generation.engine import EngineRequest, StepOutput
from relaydesk.generation.scheduler import ContinuousScheduler


class CountingRow:
    def __init__(self, key: Any, request: EngineRequest) -> None:
        self.key, self.request, self.tokens = key, request, 0


class CountingBatch:
    def __init__(self, rows: list[CountingRow]) -> None:
        self.rows = rows

    def __len__(self) -> int:
        return len(self.rows)


class CountingEngine:
    """Row i emits "1", "2", ... up to its max_new_tokens; records how many rows each call ran."""

    def __init__(self) -> None:
        self.fail_decode = False
        self.prefill_sizes: list[int] = []
        self.decode_sizes: list[int] = []

    def prefill(self, keyed: list[tuple[Any, EngineRequest]]) -> tuple[CountingBatch | None, list]:
        self.prefill_sizes.append(len(keyed))
        return self._advance(CountingBatch([CountingRow(key, req) for key, req in keyed]))

    def decode(self, batch: CountingBatch) -> tuple[CountingBatch | None, list]:
        if self.fail_decode:
            raise RuntimeError("device lost")
        time.sleep(0.02)  # a step takes time, so requests arriving meanwhile queue up
        self.decode_sizes.append(len(batch))
        return self._advance(batch)

    def merge(self, a: CountingBatch, b: CountingBatch) -> CountingBatch:
        a.rows.extend(b.rows)
        return a

    @staticmethod
    def _advance(batch: CountingBatch) -> tuple[CountingBatch | None, list]:
        outputs = []
        for row in batch.rows:
            row.tokens += 1
            done = row.tokens >= row.request.max_new_tokens
            outputs.append((row.key, StepOutput(str(row.tokens), done, "length" if done else None, row.tokens)))
        batch.rows = [r for r in batch.rows if r.tokens < r.request.max_new_tokens]
        return (batch if batch.rows else None), outputs


def req(n: int) -> EngineRequest:
    return EngineRequest(prompt_ids=(1, 2), max_new_tokens=n)


async def collect(scheduler: ContinuousScheduler, lengths: list[int], started: asyncio.Event | None = None) -> list[str]:
    texts = [""] * len(lengths)
    async for step in scheduler.stream([req(n) for n in lengths]):
        if started is not None:
            started.set()
        assert len(step) == len(lengths)
        for i, out in enumerate(step):
            if out is not StopIteration:
                texts[i] += out.delta
    return texts


@pytest.fixture
def engine() -> CountingEngine:
    return CountingEngine()


async def test_when_groups_overlap_then_their_rows_decode_together(engine: CountingEngine) -> None:
    scheduler = ContinuousScheduler(engine, ThreadPoolExecutor(1), max_running_rows=8)

    running = asyncio.Event()

    async def later() -> list[str]:
        await running.wait()
        return await collect(scheduler, [2])

    first, second = await asyncio.gather(collect(scheduler, [5, 3], running), later())
    assert first == ["12345", "123"] and second == ["12"]
    assert max(engine.decode_sizes) == 3  # the late row joined the running two


async def test_when_rows_exceed_capacity_then_the_rest_join_as_rows_finish(engine: CountingEngine) -> None:
    scheduler = ContinuousScheduler(engine, ThreadPoolExecutor(1), max_running_rows=2)
    assert await collect(scheduler, [1, 4, 3]) == ["1", "1234", "123"]
    assert engine.prefill_sizes == [2, 1] and max(engine.decode_sizes) == 2


async def test_when_a_large_group_waits_then_it_does_not_block_room_for_its_first_rows(engine: CountingEngine) -> None:
    scheduler = ContinuousScheduler(engine, ThreadPoolExecutor(1), max_running_rows=3)

    running = asyncio.Event()

    async def big() -> list[str]:
        await running.wait()
        return await collect(scheduler, [2, 2, 2])

    assert await asyncio.gather(collect(scheduler, [6], running), big()) == [["123456"], ["12", "12", "12"]]
    assert engine.prefill_sizes[:2] == [1, 2]  # two of the three rows joined at once


async def test_when_decoding_fails_then_callers_get_the_error_and_later_requests_work(engine: CountingEngine) -> None:
    scheduler = ContinuousScheduler(engine, ThreadPoolExecutor(1), max_running_rows=4)
    engine.fail_decode = True
    with pytest.raises(RuntimeError, match="device lost"):
        await collect(scheduler, [3, 3])
    engine.fail_decode = False
    assert await collect(scheduler, [2]) == ["12"]
