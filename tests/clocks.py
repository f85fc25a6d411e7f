"""A clock a test moves by hand: call it for the time, set or add to `now`, or `sleep` to move it on."""

from __future__ import annotations


class ManualClock:
    def __init__(self, now: float = 0.0) -> None:
        self.now = now
        self.sleeps = 0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        """A `time.sleep` stand-in: the time passes at once."""
        self.sleeps += 1
        self.now += seconds
