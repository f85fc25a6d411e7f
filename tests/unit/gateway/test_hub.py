"""The reply hub: per-tenant, per-conversation, bounded and fair, every item shown once, resumable by cursor."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from relaydesk.gateway.cursor import Cursor, Position
from relaydesk.gateway.hub import ReplyHub, TooManyWaiters

pytestmark = pytest.mark.asyncio(loop_scope="function")

_offsets = itertools.count()


def at(stream: str = "r", partition: int = 0, offset: int | None = None) -> Position:
    return Position(stream, partition, next(_offsets) if offset is None else offset)


def hub(kept: int = 100, per_conv: int = 10, per_tenant: int | None = None, waiters: int = 100) -> ReplyHub:
    return ReplyHub(asyncio.get_running_loop(), kept, per_conv, conversations_per_tenant=per_tenant,
                    waiters_per_tenant=waiters)


def kinds(h: ReplyHub, tenant: str = "acme", conv: str = "c1") -> list[str]:
    return [i.kind for i in h.items_after(tenant, conv, Cursor())]


async def test_when_reply_redelivered_then_shown_once_and_counted() -> None:
    duplicates: list[str] = []
    h = ReplyHub(asyncio.get_running_loop(), 10, 10, on_duplicate=duplicates.append)
    outcomes = [h.publish("acme", "c1", "reply", {"reply_id": "r1", "turn_id": "t1"}, at()) for _ in range(3)]
    assert outcomes == ["shown", "duplicate", "duplicate"]
    assert kinds(h) == ["reply"] and duplicates == ["reply", "reply"]


@pytest.mark.parametrize(("kind", "first", "again", "shown"), [
    # a hand-off redelivered with the same event id
    ("handoff", {"event_id": "h1"}, {"event_id": "h1"}, 1),
    # two different hand-offs
    ("handoff", {"event_id": "h1"}, {"event_id": "h2"}, 2),
    # a streamed token redelivered (same reply, same seq)
    ("partial", {"reply_id": "r1", "seq": 0}, {"reply_id": "r1", "seq": 0}, 1),
    # the next token of the stream
    ("partial", {"reply_id": "r1", "seq": 0}, {"reply_id": "r1", "seq": 1}, 2),
    # a retraction redelivered
    ("retract", {"reply_id": "r1", "seq": 4}, {"reply_id": "r1", "seq": 4}, 1),
])
async def test_when_item_repeats_then_shown_once_per_id(kind, first, again, shown) -> None:
    h = hub()
    h.publish("acme", "c1", kind, first, at("p"))
    h.publish("acme", "c1", kind, again, at("p"))
    assert len(kinds(h)) == shown


async def test_when_partials_arrive_after_their_final_reply_then_dropped() -> None:
    h = hub()
    h.publish("acme", "c1", "partial", {"reply_id": "r1", "turn_id": "t1", "seq": 0, "delta": "Hel"}, at("p"))
    h.publish("acme", "c1", "reply", {"reply_id": "r1", "turn_id": "t1"}, at("r"))
    for seq, kind in enumerate(("partial", "retract", "end"), start=1):
        assert h.publish("acme", "c1", kind, {"reply_id": "r1", "seq": seq}, at("p")) == "superseded"
    h.publish("acme", "c1", "partial", {"reply_id": "r2", "turn_id": "t2", "seq": 0, "delta": "Next"}, at("p"))
    assert [(i.kind, i.data["reply_id"]) for i in h.items_after("acme", "c1", Cursor())] == [
        ("partial", "r1"), ("reply", "r1"), ("partial", "r2"),
    ]


async def test_when_a_replica_read_the_streams_tail_before_the_final_reply_then_a_client_past_it_sees_no_tail() -> None:
    # this replica read the tail partial first; the client got the final reply from a faster replica
    h = hub()
    h.publish("acme", "c1", "partial", {"reply_id": "r1", "seq": 0}, at("p", 0, 5))
    h.publish("acme", "c1", "partial", {"reply_id": "r1", "seq": 1}, at("p", 0, 6))
    h.publish("acme", "c1", "reply", {"reply_id": "r1"}, at("r", 0, 2))
    assert h.items_after("acme", "c1", Cursor({("p", 0): 5, ("r", 0): 2})) == []
    # a client that has neither still gets the stream and then the reply
    assert [i.kind for i in h.items_after("acme", "c1", Cursor({("p", 0): 5}))] == ["partial", "reply"]


async def test_when_a_replica_has_not_read_the_reply_a_client_has_then_streamed_items_wait_for_it() -> None:
    h = hub()
    h.publish("acme", "c1", "reply", {"reply_id": "r0"}, at("r", 0, 1))
    h.publish("acme", "c1", "partial", {"reply_id": "r1", "seq": 1}, at("p", 0, 6))
    ahead = Cursor({("p", 0): 5, ("r", 0): 2})  # given r1's final reply (offset 2) by another replica
    assert await h.wait("acme", "c1", ahead, timeout_s=0.05) == []
    h.publish("acme", "c1", "reply", {"reply_id": "r1"}, at("r", 0, 2))
    assert h.items_after("acme", "c1", ahead) == []
    h.publish("acme", "c1", "partial", {"reply_id": "r2", "seq": 0}, at("p", 0, 7))
    assert [i.data["reply_id"] for i in h.items_after("acme", "c1", ahead)] == ["r2"]


async def test_when_other_tenant_asks_then_nothing() -> None:
    h = hub()
    h.publish("acme", "c1", "reply", {"reply_id": "r1", "turn_id": "t1"}, at())
    assert h.items_after("globex", "c1", Cursor()) == []


async def test_when_cursor_given_then_only_items_past_it_per_stream() -> None:
    h = hub()
    h.publish("acme", "c1", "partial", {"reply_id": "r1", "seq": 0}, at("p", 1, 10))
    h.publish("acme", "c1", "reply", {"reply_id": "r1"}, at("r", 0, 3))
    h.publish("acme", "c1", "partial", {"reply_id": "r2", "seq": 0}, at("p", 1, 11))
    # the client has the first partial only: the reply (other stream) and the second partial are new
    got = h.items_after("acme", "c1", Cursor({("p", 1): 10}))
    assert [(i.kind, i.position.offset) for i in got] == [("reply", 3), ("partial", 11)]
    assert h.items_after("acme", "c1", Cursor({("p", 1): 11, ("r", 0): 3})) == []


async def test_when_waiting_then_woken_by_publish_from_a_thread() -> None:
    h = hub()
    waiter = asyncio.create_task(h.wait_reply("acme", "c1", "t2", timeout_s=5))
    await asyncio.sleep(0.05)
    await asyncio.to_thread(h.publish_threadsafe, "acme", "c1", "partial", {"reply_id": "r2", "seq": 0}, at("p"))
    await asyncio.to_thread(h.publish_threadsafe, "acme", "c1", "reply", {"reply_id": "r2", "turn_id": "t2"}, at())
    item = await waiter
    assert item is not None and item.kind == "reply"
    assert h.waiting() == 0


async def test_when_nothing_arrives_then_wait_times_out_empty_and_holds_nothing() -> None:
    h = hub()
    assert await h.wait("acme", "c1", Cursor(), timeout_s=0.05) == []
    assert await h.wait_reply("acme", "c1", "t1", timeout_s=0.05) is None
    assert h.conversations("acme") == 0 and h.waiting() == 0


async def test_when_long_polls_on_unknown_ids_then_other_tenants_replies_stay() -> None:
    h = hub(kept=3, per_conv=10)
    h.publish("globex", "g1", "reply", {"reply_id": "r1"}, at())
    await asyncio.gather(*(h.wait("acme", f"unknown-{n}", Cursor(), timeout_s=0.01) for n in range(50)))
    assert kinds(h, "globex", "g1") == ["reply"]
    assert h.conversations("acme") == 0


async def test_when_one_tenant_floods_then_it_evicts_its_own_conversations_first() -> None:
    h = hub(kept=4, per_conv=10, per_tenant=3)
    h.publish("globex", "g1", "reply", {"reply_id": "g"}, at())
    for n in range(10):
        h.publish("acme", f"a{n}", "reply", {"reply_id": f"r{n}"}, at())
    assert kinds(h, "globex", "g1") == ["reply"]
    assert h.conversations("acme") == 3
    assert kinds(h, "acme", "a9") == ["reply"] and kinds(h, "acme", "a0") == []


async def test_when_total_bound_reached_then_the_biggest_tenant_gives_way() -> None:
    h = hub(kept=4, per_conv=10, per_tenant=4)
    for n in range(3):
        h.publish("acme", f"a{n}", "reply", {"reply_id": f"r{n}"}, at())
    h.publish("globex", "g1", "reply", {"reply_id": "g"}, at())
    h.publish("initech", "i1", "reply", {"reply_id": "i"}, at())  # the fifth: acme holds most, loses a0
    assert (h.conversations("acme"), h.conversations("globex"), h.conversations("initech")) == (2, 1, 1)
    assert kinds(h, "acme", "a0") == []


async def test_when_a_conversation_fills_then_only_its_latest_items_stay() -> None:
    h = hub(kept=10, per_conv=3)
    for n in range(5):
        h.publish("acme", "c1", "partial", {"reply_id": "r", "seq": n}, at("p"))
    assert [i.data["seq"] for i in h.items_after("acme", "c1", Cursor())] == [2, 3, 4]


async def test_when_tenant_holds_too_many_waiters_then_refused() -> None:
    h = hub(waiters=2)
    held = [asyncio.create_task(h.wait("acme", f"c{n}", Cursor(), timeout_s=1)) for n in range(2)]
    await asyncio.sleep(0.02)
    with pytest.raises(TooManyWaiters):
        await h.wait("acme", "c9", Cursor(), timeout_s=1)
    assert await h.wait("globex", "c9", Cursor(), timeout_s=0.01) == []  # another tenant is not affected
    h.publish("acme", "c0", "reply", {"reply_id": "r"}, at())
    h.publish("acme", "c1", "reply", {"reply_id": "r"}, at())
    assert [len(items) for items in await asyncio.gather(*held)] == [1, 1]
    assert h.waiting() == 0


async def test_when_more_tenants_than_the_bound_then_the_new_conversation_is_kept() -> None:
    h = hub(kept=2, per_conv=10)
    for tenant in ("a", "b", "c"):
        h.publish(tenant, "c1", "reply", {"reply_id": "r"}, at())
    assert kinds(h, "c", "c1") == ["reply"]
    assert sum(h.conversations(t) for t in "abc") == 2
