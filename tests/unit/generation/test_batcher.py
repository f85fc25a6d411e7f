"""The in-process batcher keeps `@serve.batch`'s streaming semantics."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from relaydesk.generation.batcher import LocalStreamBatcher


class CountingHandler:
    """Each request is an int n: its stream yields n items, one per step, then ends."""

    def __init__(self, fail_at_step: int | None = None) -> None:
        self.batches: list[list[int]] = []
        self.fail_at_step = fail_at_step

    async def __call__(self, requests: list[int]) -> AsyncIterator[list[object]]:
        self.batches.append(list(requests))
        for step in range(max(requests)):
            if step == self.fail_at_step:
                raise RuntimeError("decode failed")
            await asyncio.sleep(0)
            yield [f"{n}:{step}" if step < n else StopIteration for n in requests]


async def collect(batcher: LocalStreamBatcher[int], n: int) -> list[object]:
    return [item async for item in batcher.submit(n)]


async def test_when_requests_arrive_together_then_one_batch_serves_all() -> None:
    handler = CountingHandler()
    batcher = LocalStreamBatcher(handler, max_batch_size=4, batch_wait_timeout_s=0.05)
    results = await asyncio.gather(*(collect(batcher, n) for n in (1, 3, 2)))
    assert handler.batches == [[1, 3, 2]]
    assert results == [["1:0"], ["3:0", "3:1", "3:2"], ["2:0", "2:1"]]
    await batcher.close()


async def test_when_more_requests_than_batch_size_then_they_split() -> None:
    handler = CountingHandler()
    batcher = LocalStreamBatcher(handler, max_batch_size=2, batch_wait_timeout_s=0.05)
    await asyncio.gather(*(collect(batcher, 1) for _ in range(5)))
    assert [len(b) for b in handler.batches] == [2, 2, 1]
    await batcher.close()


async def test_when_batch_fails_then_each_caller_gets_the_error_and_batcher_goes_on() -> None:
    handler = CountingHandler(fail_at_step=1)
    batcher = LocalStreamBatcher(handler, max_batch_size=4, batch_wait_timeout_s=0.01)
    results = await asyncio.gather(collect(batcher, 3), collect(batcher, 3), return_exceptions=True)
    assert all(isinstance(r, RuntimeError) for r in results)
    handler.fail_at_step = None
    assert await collect(batcher, 2) == ["2:0", "2:1"]
    await batcher.close()


async def test_when_retuned_then_new_batch_size_applies() -> None:
    handler = CountingHandler()
    batcher = LocalStreamBatcher(handler, max_batch_size=8, batch_wait_timeout_s=0.05)
    batcher.set_max_batch_size(1)
    await asyncio.gather(collect(batcher, 1), collect(batcher, 1))
    assert [len(b) for b in handler.batches] == [1, 1]
    await batcher.close()
