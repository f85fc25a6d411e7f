"""Search results kept while nothing that decides them can change: a repeated question ("where is my order?",
"agent", a campaign's opt-out word) is answered without searching again.

A result is keyed by tenant, mode, depth, the cleaned query text and the tenant's knowledge version read
before the search (`kb_version`, bumped by every applied upsert or delete), so a knowledge change is a new key
at once. Two things change results without a new version, and both are checked in the store once per tenant
and version, then once per `window_s`:
- a chunk or unit whose dense vector is still pending (the background backfill fills it in later): while any
  is pending, nothing is kept;
- a validity window (`valid_from`, `valid_to`) that opens or closes within the next `window_s`: then nothing
  is kept either. Otherwise entries expire at the end of that window, before any boundary can pass.

One process's memory, bounded (LRU): a replica that restarts, or another replica, only searches again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")

# A probe over the store: is the tenant's index at this knowledge version settled from `now` to `until`?
SettledProbe = Callable[[str, float, float], bool]


class ResultCache(Generic[T]):
    def __init__(self, capacity: int, window_s: float, recheck_s: float = 1.0) -> None:
        if capacity < 1 or window_s <= 0 or recheck_s <= 0:
            raise ValueError("capacity, window_s and recheck_s must be positive")
        self.capacity, self.window_s, self.recheck_s = capacity, window_s, recheck_s
        self._entries: OrderedDict[Hashable, tuple[float, T]] = OrderedDict()  # key -> (expires at, value)
        # (tenant, kb_version) -> (settled, until): settled until then, or unsettled and checked again then
        self._settled: dict[tuple[str, int], tuple[bool, float]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, now: float) -> T | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or now >= entry[0]:
                if entry is not None:
                    del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key: Hashable, tenant_id: str, kb_version: int, value: T, now: float,
            probe: SettledProbe) -> bool:
        """Keep `value` if the tenant's index at `kb_version` is settled now; True when kept."""
        until = self._settled_until(tenant_id, kb_version, now, probe)
        with self._lock:
            if until is None:
                return False
            self._entries[key] = (until, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)
        return True

    def _settled_until(self, tenant_id: str, kb_version: int, now: float, probe: SettledProbe) -> float | None:
        memo_key = (tenant_id, kb_version)
        with self._lock:
            memo = self._settled.get(memo_key)
        if memo is not None and now < memo[1]:
            return memo[1] if memo[0] else None
        until = now + self.window_s
        settled = probe(tenant_id, now, until)
        with self._lock:
            # Older versions of this tenant can never be asked for again (versions only grow).
            for old in [k for k in self._settled if k[0] == tenant_id and k[1] < kb_version]:
                del self._settled[old]
            self._settled[memo_key] = (True, until) if settled else (False, now + self.recheck_s)
        return until if settled else None
