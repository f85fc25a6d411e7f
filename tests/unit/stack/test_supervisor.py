"""The local stack's restart policy: bounded exponential backoff that resets after a healthy run, applied by
the supervisor to children that die."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from clocks import ManualClock
from relaydesk.stack.supervisor import Backoff, RestartTracker, Supervisor

POLICY = Backoff(initial_s=0.5, factor=2.0, max_s=8.0, healthy_after_s=60.0)


@pytest.mark.parametrize(
    ("crash_number", "delay"),
    [
        (1, 0.5),  # the first crash: restart almost at once
        (2, 1.0),  # doubles
        (4, 4.0),
        (5, 8.0),  # reaches the cap
        (6, 8.0),  # and stays there
        (10_000, 8.0),  # a long crash loop does not overflow
    ],
)
def test_when_crashes_repeat_then_delay_doubles_up_to_the_cap(crash_number: int, delay: float) -> None:
    assert POLICY.delay(crash_number) == delay


@pytest.mark.parametrize(
    "kwargs",
    [
        {"initial_s": 0},  # no delay at all would spin
        {"factor": 0.5},  # shrinking backoff
        {"initial_s": 10, "max_s": 1},  # cap below the start
        {"healthy_after_s": 0},
    ],
)
def test_when_policy_is_nonsense_then_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        Backoff(**kwargs)


def test_when_child_crashes_quickly_again_and_again_then_each_wait_is_longer() -> None:
    tracker = RestartTracker(POLICY, started_at=0.0)
    waits = []
    now = 0.0
    for _ in range(4):
        now += 1.0  # each run lasts a second: a crash loop
        due = tracker.on_exit(now)
        waits.append(due - now)
        assert not tracker.due(now) and tracker.due(due)
        now = due
        tracker.on_restart(now)
    assert waits == [0.5, 1.0, 2.0, 4.0]
    assert tracker.restarts == 4


def test_when_child_ran_healthy_long_enough_then_backoff_starts_over() -> None:
    tracker = RestartTracker(POLICY, started_at=0.0)
    for _ in range(3):
        tracker.on_restart(tracker.on_exit(1.0))
    assert tracker.crashes_in_a_row == 3
    tracker.on_restart(100.0)
    due = tracker.on_exit(100.0 + POLICY.healthy_after_s)  # up for a whole healthy period, then died
    assert due - (100.0 + POLICY.healthy_after_s) == POLICY.initial_s
    assert tracker.crashes_in_a_row == 1


@dataclass
class FakeChild:
    """A child process as the supervisor sees it: alive or not, an exit code, a pid that changes on restart."""

    name: str
    running: bool = True
    pid: int = 100
    starts: int = 1
    code: int | None = None

    def alive(self) -> bool:
        return self.running

    def exit_code(self) -> int | None:
        return None if self.running else self.code

    def crash(self, code: int = -9) -> None:
        self.running, self.code = False, code

    def restart(self) -> FakeChild:
        assert not self.running
        self.running, self.code = True, None
        self.pid += 1
        self.starts += 1
        return self


@dataclass
class Harness:
    clock: ManualClock = field(default_factory=ManualClock)
    said: list[str] = field(default_factory=list)
    hooks: list[str] = field(default_factory=list)
    children: list[FakeChild] = field(default_factory=lambda: [FakeChild("worker-intent"), FakeChild("gateway")])

    def supervisor(self) -> Supervisor:
        return Supervisor(
            self.children,
            policy=POLICY,
            say=self.said.append,
            before_restart={"worker-intent": lambda: self.hooks.append("cleaned")},
            clock=self.clock,
        )


def test_when_a_child_dies_then_it_is_restarted_after_the_backoff_and_counted() -> None:
    h = Harness()
    sup = h.supervisor()
    intent, gateway = h.children
    intent.crash()
    h.clock.now = 10.0
    assert sup.poll() == []  # noticed, not yet due
    assert sup.waiting() == ["worker-intent"]
    assert "worker-intent (pid 100) exited with code -9" in h.said[0] and "in 0.5s" in h.said[0]
    h.clock.now = 10.4
    assert sup.poll() == []
    h.clock.now = 10.5
    assert sup.poll() == ["worker-intent"]
    assert intent.alive() and intent.pid == 101 and h.hooks == ["cleaned"]
    assert "restarted (pid 101, restart #1)" in h.said[-1]
    assert sup.restarts() == {"worker-intent": 1} and sup.waiting() == []
    assert gateway.starts == 1  # the others were left alone


def test_when_a_child_keeps_crashing_then_restarts_slow_down_and_others_are_unaffected() -> None:
    h = Harness()
    sup = h.supervisor()
    intent, gateway = h.children
    restart_times = []
    for _ in range(3):
        intent.crash()
        sup.poll()
        while not sup.poll():
            h.clock.now += 0.1
        restart_times.append(round(h.clock.now, 1))
    gaps = [b - a for a, b in zip([0.0, *restart_times], restart_times, strict=False)]
    assert gaps[1] > gaps[0] and gaps[2] > gaps[1]
    gateway.crash(1)
    h.clock.now += 0.5
    sup.poll()
    h.clock.now += 0.5
    assert sup.poll() == ["gateway"]  # its own backoff, from the start
    assert sup.restarts() == {"worker-intent": 3, "gateway": 1}
