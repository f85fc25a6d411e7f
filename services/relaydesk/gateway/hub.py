"""The gateway's view of what each conversation has received: streamed partials, final replies, retractions
and hand-offs. Fed by a broadcast consumer thread; read by long-poll and SSE requests on the event loop.

Each item keeps the broker position of the record it came from, and clients resume with a `Cursor` over those
positions (see cursor.py), so a cursor means the same on every replica and after a restart.

Shown at most once: a final reply per reply id, a hand-off per event id, a streamed item per (reply id, seq)
(redelivery upstream must not show a customer anything twice). Streamed items for a reply id that is already
final are dropped: partials and final replies travel on different topics, so the final one can overtake the
tail of its stream, and it supersedes that tail. Replicas read the two topics at their own pace, so the same rule
holds at read time too: a streamed item is never returned to a client whose cursor already covers its reply's
final record, whether this replica saw that record before the stream's tail (the item is dropped), after it (the
item is filtered), or not yet (streamed items wait until this replica has read the replies topic up to the
cursor).

Bounded, and fair between tenants: only conversations that received something from the broker hold memory (a
long-poll on an id nobody wrote to holds a waiter for as long as it waits, nothing more); each tenant keeps at
most `conversations_per_tenant` conversations, and when the total bound is reached the tenant holding the most
gives up its least recently written one, so one busy tenant cannot evict another's unfetched replies. Each
conversation keeps its latest `items_per_conversation` items and bounded dedupe memories.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from relaydesk.gateway.cursor import STREAM_REPLIES, Cursor, Position

Key = tuple[str, str]  # (tenant_id, conversation_id)
STREAMED = ("partial", "retract", "end")  # what precedes a final reply, on the partials topic
Outcome = Literal["shown", "duplicate", "superseded"]


class TooManyWaiters(Exception):
    """A tenant already has as many requests waiting as it may (answered 429)."""


@dataclass
class Item:
    position: Position
    kind: str  # partial | retract | end | reply | handoff
    data: dict[str, Any]

    def as_json(self, cursor: Cursor) -> dict[str, Any]:
        """`cursor`: what a client that has seen this item (and everything before it) sends back."""
        return {"cursor": cursor.encode(), "kind": self.kind, "data": self.data}


def _remember(memory: OrderedDict[str, Any], key: str, value: Any, bound: int) -> None:
    memory[key] = value
    memory.move_to_end(key)
    while len(memory) > bound:
        memory.popitem(last=False)


@dataclass
class _Conversation:
    items: deque[Item]
    replies: OrderedDict[str, None] = field(default_factory=OrderedDict)  # final reply ids shown
    handoffs: OrderedDict[str, None] = field(default_factory=OrderedDict)  # hand-off event ids shown
    streams: OrderedDict[str, int] = field(default_factory=OrderedDict)  # reply id -> highest streamed seq shown


@dataclass
class _Signal:
    event: asyncio.Event = field(default_factory=asyncio.Event)
    waiters: int = 0


class ReplyHub:
    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        conversations_kept: int,
        items_per_conversation: int,
        conversations_per_tenant: int | None = None,
        waiters_per_tenant: int = 1_000,
        ids_per_conversation: int = 256,
        on_duplicate: Callable[[str], None] | None = None,
    ) -> None:
        self._loop = loop
        self._kept = conversations_kept
        self._per_tenant = min(conversations_per_tenant or conversations_kept, conversations_kept)
        self._per_conv = items_per_conversation
        self._ids = ids_per_conversation
        self._waiters_per_tenant = waiters_per_tenant
        self._tenants: dict[str, OrderedDict[str, _Conversation]] = {}
        self._total = 0
        self._signals: dict[Key, _Signal] = {}
        self._waiting: dict[str, int] = {}
        self._on_duplicate = on_duplicate
        self._read: dict[tuple[str, int], int] = {}  # (stream, partition) -> highest offset this hub has read

    # -- writers (consumer thread) -------------------------------------------------------------------------
    def publish_threadsafe(
        self, tenant_id: str, conversation_id: str, kind: str, data: dict[str, Any], position: Position
    ) -> None:
        self._loop.call_soon_threadsafe(self.publish, tenant_id, conversation_id, kind, data, position)

    def publish(
        self, tenant_id: str, conversation_id: str, kind: str, data: dict[str, Any], position: Position
    ) -> Outcome:
        key = (tenant_id, conversation_id)
        where = (position.stream, position.partition)
        self._read[where] = max(self._read.get(where, -1), position.offset)
        existing = self._find(tenant_id, conversation_id)
        outcome = self._admit(existing, kind, data) if existing is not None else "shown"
        if outcome != "shown":
            if outcome == "duplicate" and self._on_duplicate is not None:
                self._on_duplicate(kind)
            return outcome
        conv = self._conversation_for_write(key)
        if existing is None:
            self._admit(conv, kind, data)  # records the ids of the first item
        conv.items.append(Item(position, kind, data))
        signal = self._signals.pop(key, None)
        if signal is not None:
            signal.event.set()  # waiters hold this event; the next waiter gets a fresh one
        return "shown"

    def _admit(self, conv: _Conversation, kind: str, data: dict[str, Any]) -> Outcome:
        """Whether an item is new to the conversation, remembering its id if so."""
        reply_id = str(data.get("reply_id") or "")
        if kind == "reply":
            if reply_id in conv.replies:
                return "duplicate"
            _remember(conv.replies, reply_id, None, self._ids)
        elif kind == "handoff":
            event_id = str(data.get("event_id") or "")
            if event_id and event_id in conv.handoffs:
                return "duplicate"
            if event_id:
                _remember(conv.handoffs, event_id, None, self._ids)
        elif kind in STREAMED and reply_id:
            if reply_id in conv.replies:
                return "superseded"
            seq = int(data.get("seq", -1))
            if seq <= conv.streams.get(reply_id, -1):
                return "duplicate"
            _remember(conv.streams, reply_id, seq, self._ids)
        return "shown"

    def _conversation_for_write(self, key: Key) -> _Conversation:
        tenant_id, conversation_id = key
        convs = self._tenants.setdefault(tenant_id, OrderedDict())
        conv = convs.get(conversation_id)
        if conv is not None:
            convs.move_to_end(conversation_id)
            return conv
        conv = _Conversation(items=deque(maxlen=self._per_conv))
        convs[conversation_id] = conv
        self._total += 1
        if len(convs) > self._per_tenant:
            convs.popitem(last=False)
            self._total -= 1
        if self._total > self._kept:
            # on a tie another tenant gives way, so the conversation being written is never the one evicted
            biggest = max(self._tenants, key=lambda t: (len(self._tenants[t]), t != tenant_id))
            self._tenants[biggest].popitem(last=False)
            self._total -= 1
            if not self._tenants[biggest]:
                del self._tenants[biggest]
        return conv

    def _find(self, tenant_id: str, conversation_id: str) -> _Conversation | None:
        convs = self._tenants.get(tenant_id)
        return convs.get(conversation_id) if convs is not None else None

    # -- readers (event loop) ------------------------------------------------------------------------------
    def conversations(self, tenant_id: str) -> int:
        return len(self._tenants.get(tenant_id, {}))

    def items_after(self, tenant_id: str, conversation_id: str, cursor: Cursor) -> list[Item]:
        conv = self._find(tenant_id, conversation_id)
        if conv is None:
            return []
        items = [item for item in conv.items if not cursor.covers(item.position)]
        returned = {str(i.data.get("reply_id") or "") for i in items if i.kind == "reply"}
        behind = self._behind_on_replies(cursor)
        return [
            item for item in items
            if item.kind not in STREAMED or not self._superseded(conv, item, returned, behind)
        ]

    @staticmethod
    def _superseded(conv: _Conversation, item: Item, returned: set[str], behind: bool) -> bool:
        reply_id = str(item.data.get("reply_id") or "")
        if reply_id in returned:
            return False  # the reply comes in the same answer, after its stream
        return reply_id in conv.replies or behind

    def _behind_on_replies(self, cursor: Cursor) -> bool:
        """Whether the client was given final replies this hub has not read yet (from a faster replica)."""
        return any(
            offset > self._read.get((stream, partition), -1)
            for (stream, partition), offset in cursor.offsets.items() if stream == STREAM_REPLIES
        )

    async def wait(self, tenant_id: str, conversation_id: str, cursor: Cursor, timeout_s: float) -> list[Item]:
        """Items the cursor does not cover, waiting up to `timeout_s` for the first one."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while True:
            items = self.items_after(tenant_id, conversation_id, cursor)
            remaining = deadline - loop.time()
            if items or remaining <= 0:
                return items
            await self._wait_for_change((tenant_id, conversation_id), remaining)

    async def wait_reply(self, tenant_id: str, conversation_id: str, turn_id: str, timeout_s: float) -> Item | None:
        """The final reply to one turn, waiting up to `timeout_s`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while True:
            for item in self.items_after(tenant_id, conversation_id, Cursor()):
                if item.kind == "reply" and item.data.get("turn_id") == turn_id:
                    return item
            remaining = deadline - loop.time()
            if remaining <= 0:
                return None
            await self._wait_for_change((tenant_id, conversation_id), remaining)

    async def _wait_for_change(self, key: Key, timeout_s: float) -> None:
        tenant_id = key[0]
        if self._waiting.get(tenant_id, 0) >= self._waiters_per_tenant:
            raise TooManyWaiters(tenant_id)
        signal = self._signals.get(key)
        if signal is None:
            signal = self._signals[key] = _Signal()
        signal.waiters += 1
        self._waiting[tenant_id] = self._waiting.get(tenant_id, 0) + 1
        try:
            await asyncio.wait_for(signal.event.wait(), timeout_s)
        except TimeoutError:
            pass
        finally:
            signal.waiters -= 1
            if signal.waiters == 0 and self._signals.get(key) is signal:
                del self._signals[key]
            left = self._waiting[tenant_id] - 1
            if left:
                self._waiting[tenant_id] = left
            else:
                del self._waiting[tenant_id]

    def waiting_for(self, tenant_id: str) -> int:
        return self._waiting.get(tenant_id, 0)

    def waiting(self) -> int:
        """Requests waiting now, over all tenants (memory held for unknown conversations is this many)."""
        return sum(self._waiting.values())
