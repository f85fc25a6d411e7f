"""Supervision of the local stack's children: a crashed child is started again, as Kubernetes would restart a
container, with exponential backoff that is bounded and resets after a healthy run.

`Backoff` and `RestartTracker` are pure (the clock is a parameter), so the policy is unit-tested without
processes. `Supervisor` applies them to `Child` processes; `LocalStack.watch` calls `poll()` on the thread that
started the children (their parent-death signal is tied to that thread).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Backoff:
    """Delay before restart number n of a run of crashes: initial * factor**(n-1), at most `max_s`.

    A child that stayed up for `healthy_after_s` has recovered: its next crash starts from `initial_s` again
    (Kubernetes resets CrashLoopBackOff after 10 minutes of running; a laptop stack recovers faster).
    """

    initial_s: float = 0.5
    factor: float = 2.0
    max_s: float = 30.0
    healthy_after_s: float = 60.0

    def __post_init__(self) -> None:
        if self.initial_s <= 0 or self.factor < 1 or self.max_s < self.initial_s or self.healthy_after_s <= 0:
            raise ValueError("backoff needs initial_s > 0, factor >= 1, max_s >= initial_s, healthy_after_s > 0")

    def delay(self, crash_number: int) -> float:
        """Seconds to wait after the `crash_number`-th crash in a row (1-based)."""
        if crash_number < 1:
            raise ValueError("crash_number is 1-based")
        # min() before the power would overflow for a long crash loop; cap the exponent instead.
        exponent = min(crash_number - 1, 64)
        return float(min(self.max_s, self.initial_s * self.factor**exponent))


@dataclass
class RestartTracker:
    """One child's crash history: when it started, how many crashes in a row, how many restarts in all."""

    policy: Backoff
    started_at: float
    restarts: int = 0
    crashes_in_a_row: int = 0
    restart_due: float | None = None

    def on_exit(self, now: float) -> float:
        """The child was found dead at `now`; returns when to restart it (an absolute time on the same clock)."""
        if now - self.started_at >= self.policy.healthy_after_s:
            self.crashes_in_a_row = 0
        self.crashes_in_a_row += 1
        self.restart_due = now + self.policy.delay(self.crashes_in_a_row)
        return self.restart_due

    def due(self, now: float) -> bool:
        return self.restart_due is not None and now >= self.restart_due

    def on_restart(self, now: float) -> None:
        self.restarts += 1
        self.started_at = now
        self.restart_due = None


class Supervised(Protocol):
    name: str

    @property
    def pid(self) -> int: ...

    def alive(self) -> bool: ...

    def exit_code(self) -> int | None: ...

    def restart(self) -> object: ...


@dataclass
class Supervisor:
    """Restarts dead children on `poll()`. `say` reports each exit and restart (stderr and the stack's log);
    `before_restart` holds per-child clean-up (serve-generation: Ray's orphaned daemons, its ready file)."""

    children: Sequence[Supervised]
    policy: Backoff = field(default_factory=Backoff)
    say: Callable[[str], None] = print
    before_restart: Mapping[str, Callable[[], None]] = field(default_factory=dict)
    clock: Callable[[], float] = time.monotonic
    trackers: dict[str, RestartTracker] = field(default_factory=dict)

    def __post_init__(self) -> None:
        now = self.clock()
        for child in self.children:
            self.trackers.setdefault(child.name, RestartTracker(self.policy, started_at=now))

    def poll(self) -> list[str]:
        """Notice exits and perform due restarts; returns the names restarted by this call."""
        restarted: list[str] = []
        now = self.clock()
        for child in self.children:
            tracker = self.trackers[child.name]
            if child.alive():
                continue
            if tracker.restart_due is None:
                due = tracker.on_exit(now)
                self.say(
                    f"{child.name} (pid {child.pid}) exited with code {child.exit_code()}; restart "
                    f"#{tracker.restarts + 1} in {due - now:.1f}s (crash {tracker.crashes_in_a_row} in a row)"
                )
            if tracker.due(now):
                hook = self.before_restart.get(child.name)
                if hook is not None:
                    hook()
                child.restart()
                tracker.on_restart(self.clock())
                restarted.append(child.name)
                self.say(f"{child.name} restarted (pid {child.pid}, restart #{tracker.restarts})")
        return restarted

    def restarts(self) -> dict[str, int]:
        return {name: t.restarts for name, t in self.trackers.items() if t.restarts}

    def waiting(self) -> list[str]:
        """Children that are down and waiting for their restart."""
        return [name for name, t in self.trackers.items() if t.restart_due is not None]
