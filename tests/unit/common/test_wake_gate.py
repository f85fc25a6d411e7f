"""WakeGate: quiet after `quiet_s` without records or a wake-up; a wake-up ends a wait at once."""

from __future__ import annotations

import threading

from clocks import ManualClock
from relaydesk.common.wake_gate import WakeGate


def test_when_nothing_comes_for_quiet_s_then_quiet_and_a_record_wakes_it_for_another_quiet_s() -> None:
    clock = ManualClock(100.0)
    gate = WakeGate(10.0, clock=clock)
    assert not gate.quiet()  # starts awake
    clock.now += 10.0
    assert gate.quiet()
    gate.touch()
    assert not gate.quiet()
    clock.now += 9.9
    assert not gate.quiet()


def test_when_woken_from_another_thread_then_the_wait_ends_at_once() -> None:
    gate = WakeGate(0.0)
    assert gate.quiet()
    assert not gate.wait(0.01)  # nobody woke it and it is quiet
    threading.Timer(0.05, gate.wake).start()
    assert gate.wait(5.0)
    assert gate.wakes == 1
    assert not gate.wait(0.01)  # the wake-up was used; still quiet
