"""In-memory history: bounded, ordered, idempotent per (turn, role)."""

from __future__ import annotations

from relaydesk.generation.engine import _ngram_bans
from relaydesk.generation.memory import InMemoryHistory
from relaydesk.generation.ports import HistoryTurn


def turn(i: int, role: str = "customer") -> HistoryTurn:
    return HistoryTurn(turn_id=f"t{i}", role=role, text=f"text {i}")  # type: ignore[arg-type]


def test_when_turns_exceed_limit_then_oldest_are_dropped() -> None:
    history = InMemoryHistory(max_turns=3)
    for i in range(5):
        history.append("c", turn(i))
    assert [t.turn_id for t in history.get("c")] == ["t2", "t3", "t4"]


def test_when_same_turn_and_role_again_then_ignored_but_answer_is_kept() -> None:
    history = InMemoryHistory()
    history.append("c", turn(1))
    history.append("c", turn(1))
    history.append("c", turn(1, "assistant"))
    assert [(t.turn_id, t.role) for t in history.get("c")] == [("t1", "customer"), ("t1", "assistant")]


def test_when_many_conversations_then_least_recent_is_forgotten() -> None:
    history = InMemoryHistory(max_conversations=2)
    for cid in ("a", "b", "c"):
        history.append(cid, turn(1))
    assert history.get("a") == [] and len(history.get("c")) == 1


def test_when_ngram_would_repeat_then_its_next_token_is_banned() -> None:
    assert _ngram_bans([1, 2, 3, 9, 1, 2], 3) == {3}
    assert _ngram_bans([1, 2, 3], 0) == set()
    assert _ngram_bans([5, 5, 5], 2) == {5}
