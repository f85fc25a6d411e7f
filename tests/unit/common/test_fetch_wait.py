"""The adaptive fetch wait: short while records flow, long after a quiet period, short again on the next record;
and the aiokafka fetcher asks the broker for whatever the wait says at each request."""

from __future__ import annotations

import pytest

from clocks import ManualClock
from relaydesk.common.faust_transport import AdaptiveFetcher
from relaydesk.common.fetch_wait import AdaptiveWait


@pytest.mark.parametrize(
    ("quiet_for_s", "expected_ms"),
    [
        (0.0, 20),  # records just came: short
        (9.9, 20),  # still within the quiet period
        (10.0, 500),  # quiet for the whole period: long
        (3600.0, 500),  # and it stays long
    ],
)
def test_when_quiet_for_a_while_then_the_wait_is_long(quiet_for_s: float, expected_ms: int) -> None:
    clock = ManualClock(100.0)
    wait = AdaptiveWait(20, 500, 10.0, clock)
    wait.saw_records()
    clock.now += quiet_for_s
    assert wait.current_ms() == expected_ms


def test_when_a_record_comes_after_idle_then_the_next_fetch_is_short_again() -> None:
    clock = ManualClock(100.0)
    wait = AdaptiveWait(20, 500, 10.0, clock)
    clock.now += 60
    assert wait.current_ms() == 500 and wait.idle
    wait.saw_records()
    assert wait.current_ms() == 20 and not wait.idle
    assert wait.switches_to_idle == 1


def test_when_a_consumer_starts_then_it_is_short_for_its_catch_up() -> None:
    assert AdaptiveWait(20, 500, 10.0, ManualClock(100.0)).current_ms() == 20


@pytest.mark.parametrize("idle_ms", [0, 20, 10])  # off, equal, or below the short wait: never changes
def test_when_idle_wait_is_not_longer_then_adaptivity_is_off(idle_ms: int) -> None:
    clock = ManualClock(100.0)
    wait = AdaptiveWait(20, idle_ms, 10.0, clock)
    clock.now += 3600
    assert wait.current_ms() == 20 and not wait.enabled


def test_when_the_fetcher_is_adaptive_then_its_requests_carry_the_current_wait() -> None:
    clock = ManualClock(100.0)
    fetcher = object.__new__(AdaptiveFetcher)  # no client: only the attribute the fetch loop reads
    fetcher._fetch_max_wait_ms = 20  # what aiokafka's __init__ writes
    assert fetcher._fetch_max_wait_ms == 20
    fetcher._relaydesk_wait = AdaptiveWait(20, 400, 5.0, clock)
    clock.now += 5.0
    assert fetcher._fetch_max_wait_ms == 400
    fetcher._relaydesk_wait.saw_records()
    assert fetcher._fetch_max_wait_ms == 20
