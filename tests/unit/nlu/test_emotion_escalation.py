from __future__ import annotations

import pytest

from relaydesk.emotion.escalation import EscalationPolicy, InMemoryTrendStore, decide, extend_trend

POLICY = EscalationPolicy()


@pytest.mark.parametrize(
    ("trend", "threat", "expected"),
    [
        ([0.1, -0.3, -0.6], None, (True, "rising_negative")),  # falls every turn, ends well below zero
        ([0.0, -0.2, -0.25], None, (False, None)),  # falls, but stays mild
        ([-0.2, -0.7, -0.3], None, (False, None)),  # went up again at the end
        ([-0.7, -0.8, -0.75], None, (True, "sustained_negative")),  # angry three turns in a row
        ([-0.8, -0.9], None, (False, None)),  # too few turns to call a trend
        ([0.5], "legal", (True, "threat_legal")),  # a threat escalates at once, whatever the mood
        ([0.2, 0.1, -0.5, -0.52, -0.55], None, (False, None)),  # only the last three turns count: -0.05 rise
        ([0.3, -0.2, -0.45], None, (True, "rising_negative")),  # within tolerance of never going up
    ],
)
def test_when_trend_then_escalation(trend: list[float], threat: str | None, expected: tuple[bool, str | None]) -> None:
    assert decide(trend, threat, POLICY) == expected


def test_when_trend_extended_then_kept_bounded() -> None:
    trend: list[tuple[str, float]] = []
    for i in range(15):
        trend, _ = extend_trend(trend, f"t{i}", -i / 20, keep=10)
    assert len(trend) == 10 and trend[-1] == ("t14", -0.7)


def test_when_turn_redelivered_then_trend_unchanged_and_as_first_seen() -> None:
    trend: list[tuple[str, float]] = []
    for i in range(3):
        trend, _ = extend_trend(trend, f"t{i}", -i / 10, keep=10)
    replay, is_new = extend_trend(trend, "t1", -0.9, keep=10)
    assert not is_new and replay == [("t0", 0.0), ("t1", -0.1)]


def test_when_store_full_then_oldest_conversation_forgotten() -> None:
    store = InMemoryTrendStore(capacity=2)
    store.put("a", [("t1", 0.1)])
    store.put("b", [("t1", 0.2)])
    store.put("a", [("t1", 0.1), ("t2", 0.3)])  # "a" is now the most recent
    store.put("c", [("t1", 0.4)])
    assert store.get("b") == [] and store.get("a") == [("t1", 0.1), ("t2", 0.3)] and store.get("c") == [("t1", 0.4)]


def test_when_store_read_then_caller_cannot_mutate_it() -> None:
    store = InMemoryTrendStore()
    store.put("a", [("t1", 0.1)])
    store.get("a").append(("t9", 9.0))
    assert store.get("a") == [("t1", 0.1)]
