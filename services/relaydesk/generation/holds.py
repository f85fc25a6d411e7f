"""Bot silence: which conversations a person holds (queued for an agent, or with one), as generation knows it.

The `conversations` processor owns the state and publishes it on the compacted `conversation.state` topic;
the generation worker copies it into a Faust table (co-partitioned with the turns it answers). When generation
itself hands a conversation off it marks it held at once, so the customer's next turn, which may overtake the
state record on its way back, gets no bot reply either."""

from __future__ import annotations

from typing import Any, Protocol

HELD_STATES = frozenset({"queued", "with_agent"})


class ConversationHolds(Protocol):
    def is_held(self, conversation_id: str) -> bool: ...

    def mark_queued(self, conversation_id: str) -> None: ...


class TableHolds:
    """Rows `{"state": str, "revision": int}` in a dict-like table (a BufferedTable in the worker)."""

    def __init__(self, table: Any) -> None:
        self.table = table

    def is_held(self, conversation_id: str) -> bool:
        row = self.table.get(conversation_id) or {}
        return row.get("state") in HELD_STATES

    def mark_queued(self, conversation_id: str) -> None:
        row = dict(self.table.get(conversation_id) or {})
        if row.get("state") not in HELD_STATES:
            # Revision -1: any record from the conversations processor supersedes this local mark.
            self.table.set(conversation_id, {"state": "queued", "revision": -1})

    def apply(self, conversation_id: str, state: str, revision: int) -> bool:
        """A `conversation.state` record: newer revisions win; closed and bot conversations need no row."""
        row = self.table.get(conversation_id) or {}
        if int(row.get("revision", -1)) > revision:
            return False
        self.table.set(conversation_id, {"state": state, "revision": revision})
        return True
