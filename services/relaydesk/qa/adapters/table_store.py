"""The QA core's TranscriptStore on a Faust table keyed by conversation id (changelogged: transcripts survive
a restart and move with their partition).

Faust writes a row to the changelog partition of the record being processed, so writes are buffered and
flushed by the stage runner's `after_record` hook for the record that caused them (as common/tables.py does),
and deletes become changelog tombstones the same way. Reads hand out copies: the core changes a transcript
in place, and the table's own value must only change when the change is flushed; `items` (the sweep's scan)
hands out the rows themselves, read-only.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from faust.types import TableT

from relaydesk.common.tables import current_event
from relaydesk.qa.transcript import Transcript

_DELETED = object()


class TableTranscriptStore:
    def __init__(self, table: TableT) -> None:
        self.table = table
        self._pending: dict[str, Any] = {}

    def get(self, conversation_id: str) -> Transcript | None:
        if conversation_id in self._pending:
            value = self._pending[conversation_id]
            return None if value is _DELETED else copy.deepcopy(value)
        value = self.table.get(conversation_id)
        return copy.deepcopy(value) if value else None

    def put(self, conversation_id: str, transcript: Transcript) -> None:
        self._pending[conversation_id] = transcript

    def delete(self, conversation_id: str) -> None:
        self._pending[conversation_id] = _DELETED

    def items(self) -> Iterable[tuple[str, Transcript]]:
        rows = {str(k): v for k, v in self.table.items() if v}
        for key, value in self._pending.items():
            if value is _DELETED:
                rows.pop(key, None)
            else:
                rows[key] = value
        # No copies: the sweep (core.close_idle) only reads, and it scans every transcript every couple of seconds.
        return list(rows.items())

    def flush(self, record: Any, conversation_id: str) -> None:
        """Write the buffered change of `conversation_id` as caused by `record` (call on the event loop)."""
        if conversation_id not in self._pending:
            return
        value = self._pending.pop(conversation_id)
        with current_event(record):
            if value is _DELETED:
                if conversation_id in self.table:
                    del self.table[conversation_id]
            else:
                self.table[conversation_id] = value
