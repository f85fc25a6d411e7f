"""The reply hub: per-tenant, per-conversation, bounded, and a reply shown once per reply id."""

from __future__ import annotations

import asyncio

import pytest

from relaydesk.gateway.hub import ReplyHub

pytestmark = pytest.mark.asyncio(loop_scope="function")


def hub(kept: int = 100, per_conv: int = 10) -> ReplyHub:
    return ReplyHub(asyncio.get_running_loop(), kept, per_conv)


async def test_when_reply_redelivered_then_shown_once() -> None:
    h = hub()
    for _ in range(3):
        h.publish("acme", "c1", "reply", {"reply_id": "r1", "turn_id": "t1"})
    assert [i.kind for i in h.items_after("acme", "c1", 0)] == ["reply"]


async def test_when_partials_arrive_after_their_final_reply_then_dropped() -> None:
    h = hub()
    h.publish("acme", "c1", "partial", {"reply_id": "r1", "turn_id": "t1", "delta": "Hel"})
    h.publish("acme", "c1", "reply", {"reply_id": "r1", "turn_id": "t1"})
    for kind in ("partial", "retract", "end"):
        h.publish("acme", "c1", kind, {"reply_id": "r1", "turn_id": "t1"})
    h.publish("acme", "c1", "partial", {"reply_id": "r2", "turn_id": "t2", "delta": "Next"})
    assert [(i.kind, i.data["reply_id"]) for i in h.items_after("acme", "c1", 0)] == [
        ("partial", "r1"), ("reply", "r1"), ("partial", "r2"),
    ]


async def test_when_other_tenant_asks_then_nothing() -> None:
    h = hub()
    h.publish("acme", "c1", "reply", {"reply_id": "r1", "turn_id": "t1"})
    assert h.items_after("globex", "c1", 0) == []


async def test_when_waiting_then_woken_by_publish_from_a_thread() -> None:
    h = hub()
    waiter = asyncio.create_task(h.wait_reply("acme", "c1", "t2", timeout_s=5))
    await asyncio.sleep(0.05)
    await asyncio.to_thread(h.publish_threadsafe, "acme", "c1", "partial", {"reply_id": "r2", "turn_id": "t2"})
    await asyncio.to_thread(h.publish_threadsafe, "acme", "c1", "reply", {"reply_id": "r2", "turn_id": "t2"})
    item = await waiter
    assert item is not None and item.kind == "reply"


async def test_when_nothing_arrives_then_wait_times_out_empty() -> None:
    h = hub()
    assert await h.wait("acme", "c1", 0, timeout_s=0.05) == []
    assert await h.wait_reply("acme", "c1", "t1", timeout_s=0.05) is None


@pytest.mark.parametrize(("kept", "per_conv", "conversations", "items", "expect_first", "expect_len"), [
    # the oldest conversation is forgotten when the bound is reached
    (2, 10, 3, 1, [], 1),
    # a conversation keeps only its latest items
    (10, 3, 1, 5, ["3", "4", "5"], 3),
])
async def test_when_bounds_reached_then_oldest_dropped(kept, per_conv, conversations, items, expect_first, expect_len) -> None:
    h = hub(kept, per_conv)
    for c in range(1, conversations + 1):
        for i in range(1, items + 1):
            h.publish("acme", f"c{c}", "partial", {"n": str(i)})
    first = [i.data["n"] for i in h.items_after("acme", "c1", 0)]
    assert first == expect_first
    assert len(h.items_after("acme", f"c{conversations}", 0)) == expect_len
