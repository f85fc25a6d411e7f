"""Faust tables behind the small state protocols of pure cores.

A core reads and writes state synchronously (often on its worker thread). Faust writes a table row to the
changelog partition of the record being processed, so the write must happen on the event loop with that
record as Faust's current event. `BufferedTable` bridges the two: reads go through, writes are buffered until
the stage runner's `after_record` hook flushes them for the record that caused them.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Iterator
from typing import Any

from faust import streams
from faust.types import TableT


@contextlib.contextmanager
def current_event(record: Any) -> Iterator[None]:
    token = streams._current_event.set(weakref.ref(record))
    try:
        yield
    finally:
        streams._current_event.reset(token)


class BufferedTable:
    def __init__(self, table: TableT) -> None:
        self.table = table
        self._pending: dict[str, Any] = {}

    def get(self, key: str, default: Any = None) -> Any:
        if key in self._pending:
            return self._pending[key]
        return self.table.get(key, default)

    def set(self, key: str, value: Any) -> None:
        self._pending[key] = value

    def flush(self, record: Any, key: str) -> None:
        """Write the buffered value for `key` as a change caused by `record` (call on the event loop)."""
        if key in self._pending:
            with current_event(record):
                self.table[key] = self._pending.pop(key)
