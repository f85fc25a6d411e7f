"""A bounded memory of event ids already handled, for dropping redeliveries at a consumer.

Bounded by count and by age, so memory stays flat whatever the traffic. It is per process: a redelivery to
another replica (after a rebalance or a crash) is not caught here, and that is what deterministic event ids
are for: the repeated outputs carry the same ids, and every consumer that shows or changes something dedupes
by them."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterable


class SeenIds:
    def __init__(
        self, capacity: int = 10_000, max_age_s: float = 3_600.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.capacity = capacity
        self.max_age_s = max_age_s
        self._clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()

    def __len__(self) -> int:
        return len(self._seen)

    def __contains__(self, event_id: object) -> bool:
        self._expire()
        return event_id in self._seen

    def add(self, event_ids: Iterable[str]) -> None:
        now = self._clock()
        for event_id in event_ids:
            self._seen.pop(event_id, None)
            self._seen[event_id] = now
        while len(self._seen) > self.capacity:
            self._seen.popitem(last=False)

    def _expire(self) -> None:
        horizon = self._clock() - self.max_age_s
        while self._seen:
            oldest, at = next(iter(self._seen.items()))
            if at >= horizon:
                break
            del self._seen[oldest]
