"""When a conversation should go to a human: an explicit threat (legal action, a complaint to an outside
body, leaving for a competitor), or negative sentiment rising over the last turns.

The per-conversation trend (recent sentiment scores, oldest first) lives behind `TrendStore`; the stream
processor backs it with a Faust table, tests with `InMemoryTrendStore`.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from itertools import pairwise
from typing import Protocol

# (turn id, sentiment): keyed by turn so that a redelivered turn is recognised and not counted twice.
TrendPoint = tuple[str, float]


class TrendStore(Protocol):
    def get(self, conversation_id: str) -> list[TrendPoint]: ...

    def put(self, conversation_id: str, trend: list[TrendPoint]) -> None: ...


class InMemoryTrendStore:
    """A bounded dict: the least recently updated conversations are forgotten first."""

    def __init__(self, capacity: int = 100_000) -> None:
        self._capacity = capacity
        self._trends: OrderedDict[str, list[TrendPoint]] = OrderedDict()

    def get(self, conversation_id: str) -> list[TrendPoint]:
        return list(self._trends.get(conversation_id, []))

    def put(self, conversation_id: str, trend: list[TrendPoint]) -> None:
        self._trends[conversation_id] = list(trend)
        self._trends.move_to_end(conversation_id)
        while len(self._trends) > self._capacity:
            self._trends.popitem(last=False)


@dataclass(frozen=True)
class EscalationPolicy:
    # Rising negativity: over the last `window` turns sentiment never goes up, falls by at least `rise`, and
    # ends at or below `floor`.
    window: int = 3
    rise: float = 0.3
    floor: float = -0.4
    # Sustained negativity: every one of the last `window` turns at or below `sustained`.
    sustained: float = -0.6
    # Sentiment may wobble by this much and still count as not going up.
    tolerance: float = 0.05
    # How many scores the trend keeps.
    keep: int = 10


def extend_trend(
    trend: list[TrendPoint], turn_id: str, sentiment: float, keep: int
) -> tuple[list[TrendPoint], bool]:
    """(the trend up to and including this turn, whether the turn is new). A turn already in the trend (a
    redelivery) is not added again, and its trend is the one it had the first time."""
    for index, (seen, _) in enumerate(trend):
        if seen == turn_id:
            return trend[: index + 1], False
    return [*trend, (turn_id, round(sentiment, 4))][-keep:], True


def scores(trend: list[TrendPoint]) -> list[float]:
    return [score for _, score in trend]


def decide(trend: list[float], threat: str | None, policy: EscalationPolicy) -> tuple[bool, str | None]:
    """(escalate, reason). `trend` ends with the current turn's sentiment."""
    if threat is not None:
        return True, f"threat_{threat}"
    recent = trend[-policy.window :]
    if len(recent) < policy.window:
        return False, None
    never_up = all(b <= a + policy.tolerance for a, b in pairwise(recent))
    if never_up and recent[0] - recent[-1] >= policy.rise and recent[-1] <= policy.floor:
        return True, "rising_negative"
    if all(s <= policy.sustained for s in recent):
        return True, "sustained_negative"
    return False, None
