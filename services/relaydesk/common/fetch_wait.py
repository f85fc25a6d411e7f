"""How long a consumer lets the broker hold an empty fetch: short while records flow, long once it is quiet.

Tansu answers an empty fetch by sleeping in its fetch loop (NOTES.md), so every fetch costs broker CPU and a
wake-up of the consumer's event loop; with a dozen consumers at 20 ms that is most of an idle stack's CPU. A
long wait on every fetch would make every hop slower, since Tansu does not answer the moment a record arrives
(measured: a record waits up to about half the fetch wait). So a consumer waits `short_ms` while records
came in the last `quiet_s`, and `idle_ms` after that: the first record after a quiet period waits at most
one idle fetch at each hop, and the records after it see the short wait again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class AdaptiveWait:
    short_ms: int
    idle_ms: int
    quiet_s: float
    clock: Callable[[], float] = time.monotonic
    _last_records_at: float = field(default=float("-inf"), init=False)
    switches_to_idle: int = field(default=0, init=False)
    _idle: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        self._last_records_at = self.clock()  # a consumer starts short: its start-up catch-up is traffic

    @property
    def enabled(self) -> bool:
        return self.idle_ms > self.short_ms

    def saw_records(self) -> None:
        self._last_records_at = self.clock()
        self._idle = False

    def current_ms(self) -> int:
        if not self.enabled:
            return self.short_ms
        if self.clock() - self._last_records_at < self.quiet_s:
            return self.short_ms
        if not self._idle:
            self._idle = True
            self.switches_to_idle += 1
        return self.idle_ms

    @property
    def idle(self) -> bool:
        return self.current_ms() == self.idle_ms and self.enabled
