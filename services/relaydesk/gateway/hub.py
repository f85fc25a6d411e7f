"""The gateway's view of what each conversation has received: streamed partials, final replies, retractions
and hand-offs. Fed by a broadcast consumer thread; read by long-poll and SSE requests on the event loop.

Bounded: the most recent `conversations_kept` conversations, `items_per_conversation` items each. A final
reply is shown once per reply id (redelivery upstream must not show a customer the same reply twice), and
streamed items for a reply id that is already final are dropped: partials and final replies travel on
different topics, so the final one can overtake the tail of its stream, and it supersedes that tail.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any

Key = tuple[str, str]  # (tenant_id, conversation_id)
STREAMED = ("partial", "retract", "end")  # what precedes a final reply, on the partials topic


@dataclass
class Item:
    seq: int
    kind: str  # partial | retract | end | reply | handoff
    data: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "kind": self.kind, "data": self.data}


@dataclass
class _Conversation:
    items: deque[Item]
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    reply_ids: set[str] = field(default_factory=set)


class ReplyHub:
    def __init__(self, loop: asyncio.AbstractEventLoop, conversations_kept: int, items_per_conversation: int) -> None:
        self._loop = loop
        self._kept = conversations_kept
        self._per_conv = items_per_conversation
        self._convs: OrderedDict[Key, _Conversation] = OrderedDict()
        self._seq = itertools.count(1)

    # -- writers (consumer thread) -------------------------------------------------------------------------
    def publish_threadsafe(self, tenant_id: str, conversation_id: str, kind: str, data: dict[str, Any]) -> None:
        self._loop.call_soon_threadsafe(self.publish, tenant_id, conversation_id, kind, data)

    def publish(self, tenant_id: str, conversation_id: str, kind: str, data: dict[str, Any]) -> None:
        conv = self._conversation((tenant_id, conversation_id))
        reply_id = str(data.get("reply_id", ""))
        if kind == "reply":
            if reply_id in conv.reply_ids:
                return
            conv.reply_ids.add(reply_id)
        elif kind in STREAMED and reply_id and reply_id in conv.reply_ids:
            return  # the final reply overtook the tail of its stream, and supersedes it
        conv.items.append(Item(next(self._seq), kind, data))
        conv.changed.set()
        conv.changed = asyncio.Event()  # waiters hold the old event, which stays set

    def _conversation(self, key: Key) -> _Conversation:
        conv = self._convs.get(key)
        if conv is None:
            conv = _Conversation(items=deque(maxlen=self._per_conv))
            self._convs[key] = conv
            if len(self._convs) > self._kept:
                self._convs.popitem(last=False)
        else:
            self._convs.move_to_end(key)
        return conv

    # -- readers (event loop) ------------------------------------------------------------------------------
    def items_after(self, tenant_id: str, conversation_id: str, after: int) -> list[Item]:
        conv = self._convs.get((tenant_id, conversation_id))
        if conv is None:
            return []
        return [item for item in conv.items if item.seq > after]

    async def wait(self, tenant_id: str, conversation_id: str, after: int, timeout_s: float) -> list[Item]:
        """Items newer than `after`, waiting up to `timeout_s` for the first one."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while True:
            items = self.items_after(tenant_id, conversation_id, after)
            remaining = deadline - loop.time()
            if items or remaining <= 0:
                return items
            changed = self._conversation((tenant_id, conversation_id)).changed
            try:
                await asyncio.wait_for(changed.wait(), remaining)
            except TimeoutError:
                return self.items_after(tenant_id, conversation_id, after)

    async def wait_reply(self, tenant_id: str, conversation_id: str, turn_id: str, timeout_s: float) -> Item | None:
        """The final reply to one turn, waiting up to `timeout_s`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        after = 0
        while True:
            for item in self.items_after(tenant_id, conversation_id, 0):
                if item.kind == "reply" and item.data.get("turn_id") == turn_id:
                    return item
            remaining = deadline - loop.time()
            if remaining <= 0:
                return None
            items = await self.wait(tenant_id, conversation_id, after, remaining)
            if items:
                after = items[-1].seq
