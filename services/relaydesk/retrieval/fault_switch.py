"""A switch that makes the vector store unavailable to retrieval for a while: the mechanism
`relaydesk drill outage --dependency vectorstore` uses on the local stack, where Qdrant Edge lives inside the
knowledge worker and cannot be stopped on its own.

While it is down, every store call raises `VectorStoreError`, as a Qdrant server that stopped answering would,
so retrieval takes its real degraded path (counted in relaydesk_fallbacks_total) and generation its fallback.
It exists only when `RELAYDESK_FAULTS_ENABLED=1` (the local stack sets it), and the endpoint that flips it
needs the internal service token.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from typing import Any

from relaydesk.vectorstore.base import VectorStoreError

MAX_OUTAGE_S = 600.0


def faults_enabled() -> bool:
    return os.environ.get("RELAYDESK_FAULTS_ENABLED", "") == "1"


class StoreOutage:
    """Wraps a store; `down_for(seconds)` makes its calls fail until then, `down_for(0)` restores it."""

    def __init__(self, store: Any, clock: Callable[[], float] = time.monotonic) -> None:
        self._store = store
        self._clock = clock
        self._until = 0.0
        self._lock = threading.Lock()

    def down_for(self, seconds: float) -> float:
        seconds = max(0.0, min(MAX_OUTAGE_S, seconds))
        with self._lock:
            self._until = self._clock() + seconds if seconds else 0.0
        return seconds

    @property
    def down(self) -> bool:
        with self._lock:
            return self._clock() < self._until

    def remaining_s(self) -> float:
        with self._lock:
            return max(0.0, self._until - self._clock())

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._store, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            if self.down:
                raise VectorStoreError("vector store unavailable (outage drill)")
            return attr(*args, **kwargs)

        return call
