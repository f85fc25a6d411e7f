"""In-memory implementations of the core's ports: conversation history and a list-backed partial sink.

`InMemoryHistory` serves a single process (tests, the bench, a developer's one-process run); the Faust
worker backs the same protocol with a table so history survives a rebalance.
"""

from __future__ import annotations

from collections import OrderedDict

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
