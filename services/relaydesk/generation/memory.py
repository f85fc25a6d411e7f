"""Implementations of the core's history and partial-sink ports.

`InMemoryHistory` serves a single process (tests, the bench, a developer's one-process run); the Faust
worker uses `TableHistory`, the same protocol on a table, so history survives a rebalance.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from relaydesk.common.tables import BufferedTable
from relaydesk.events.reply import ReplyPartial
from relaydesk.generation.ports import HistoryTurn


class InMemoryHistory:
    def __init__(self, max_turns: int = 16, max_conversations: int = 10_000) -> None:
        self.max_turns = max_turns
        self.max_conversations = max_conversations
        self._turns: OrderedDict[str, list[HistoryTurn]] = OrderedDict()

    def get(self, conversation_id: str) -> list[HistoryTurn]:
        return list(self._turns.get(conversation_id, ()))

    def append(self, conversation_id: str, turn: HistoryTurn) -> None:
        turns = self._turns.setdefault(conversation_id, [])
        self._turns.move_to_end(conversation_id)
        if any(t.turn_id == turn.turn_id and t.role == turn.role for t in turns):
            return
        turns.append(turn)
        del turns[: max(0, len(turns) - self.max_turns)]
        while len(self._turns) > self.max_conversations:
            self._turns.popitem(last=False)


class TableHistory:
    """The core's ConversationHistory on a Faust table: at most `max_turns` per conversation, and a redelivered
    (turn_id, role) is ignored.

    A table row can only be written while a record of its conversation is processed (Faust writes it to that
    record's changelog partition). So turns appended any time (approved replies, which every replica reads from
    the whole `replies` topic, most of them for conversations another replica owns) wait here until `flush` runs
    for a record of their conversation. The wait is bounded by conversation count and age: a replica that
    replays the topic at start keeps only the most recent conversations, and an evicted reply only costs the
    next turn of its conversation one line of context."""

    def __init__(
        self,
        table: BufferedTable,
        max_turns: int,
        max_waiting: int = 5_000,
        max_age_s: float = 3_600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.table = table
        self.max_turns = max_turns
        self.max_waiting = max_waiting
        self.max_age_s = max_age_s
        self._clock = clock
        self._waiting: OrderedDict[str, tuple[float, list[dict[str, Any]]]] = OrderedDict()

    def __len__(self) -> int:
        """Conversations with turns waiting for a flush."""
        return len(self._waiting)

    def _rows(self, conversation_id: str) -> list[dict[str, Any]]:
        rows = list(self.table.get(conversation_id, []) or [])
        _, waiting = self._waiting.get(conversation_id, (0.0, []))
        for row in waiting:
            if not any(_same(r, row) for r in rows):
                rows.append(row)
        return rows[-self.max_turns :]

    def get(self, conversation_id: str) -> list[HistoryTurn]:
        self._expire()
        return [HistoryTurn.model_validate(row) for row in self._rows(conversation_id)]

    def append(self, conversation_id: str, turn: HistoryTurn) -> None:
        row = turn.model_dump(mode="json")
        if any(_same(r, row) for r in self._rows(conversation_id)):
            return
        _, waiting = self._waiting.pop(conversation_id, (0.0, []))
        self._waiting[conversation_id] = (self._clock(), [*waiting, row][-self.max_turns :])
        while len(self._waiting) > self.max_waiting:
            self._waiting.popitem(last=False)
        self._expire()

    def flush(self, record: Any, conversation_id: str) -> None:
        """Write the conversation's waiting turns as a change caused by `record` (call on the event loop)."""
        if conversation_id in self._waiting:
            self.table.set(conversation_id, self._rows(conversation_id))
            del self._waiting[conversation_id]
        self.table.flush(record, conversation_id)

    def _expire(self) -> None:
        horizon = self._clock() - self.max_age_s
        while self._waiting:
            key, (touched, _) = next(iter(self._waiting.items()))
            if touched >= horizon:
                break
            del self._waiting[key]


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return bool(a.get("turn_id") == b.get("turn_id") and a.get("role") == b.get("role"))


class ListPartialSink:
    """Collects partials in order; `text(reply_id)` rebuilds what a client would have seen."""

    def __init__(self) -> None:
        self.partials: list[ReplyPartial] = []

    async def emit(self, partial: ReplyPartial) -> None:
        self.partials.append(partial)

    def for_reply(self, reply_id: str) -> list[ReplyPartial]:
        return [p for p in self.partials if p.reply_id == reply_id]

    def text(self, reply_id: str) -> str:
        return "".join(p.delta for p in self.for_reply(reply_id) if p.kind == "token")
