"""The core's ConversationStore on a Faust table (changelogged: it survives restarts and moves with its
partition). Rows are plain JSON-able dicts."""

from __future__ import annotations

from typing import Any

from relaydesk.common.tables import BufferedTable


class TableStore:
    def __init__(self, table: BufferedTable) -> None:
        self.table = table

    def get(self, conversation_id: str) -> dict[str, Any] | None:
        row = self.table.get(conversation_id)
        return dict(row) if row else None

    def put(self, conversation_id: str, record: dict[str, Any]) -> None:
        self.table.set(conversation_id, record)
