"""When a paused reader should fetch again: quiet after `quiet_s` without a record or a wake-up, woken at once by
whoever expects records soon (the gateway, when it sends a customer's turn on). Thread-safe."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class WakeGate:
    def __init__(self, quiet_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._quiet_s = quiet_s
        self._clock = clock
        self._last = clock()  # a reader starts awake: its start-up catch-up is traffic
        self._event = threading.Event()
        self.wakes = 0

    def touch(self) -> None:
        """Records came: stay awake for another `quiet_s`."""
        self._last = self._clock()

    def wake(self) -> None:
        self._last = self._clock()
        self.wakes += 1
        self._event.set()

    def quiet(self) -> bool:
        return self._clock() - self._last >= self._quiet_s

    def wait(self, timeout_s: float) -> bool:
        """Whether the reader should fetch again: woken within `timeout_s`, or no longer quiet."""
        if self._event.wait(timeout_s):
            self._event.clear()
            return True
        return not self.quiet()
