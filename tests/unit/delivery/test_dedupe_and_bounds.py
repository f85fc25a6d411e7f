"""Dedupe of redelivered inputs, and memory that stays bounded by count and age."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from clocks import ManualClock
from relaydesk.common import metrics
from relaydesk.common.dedupe import SeenIds
from relaydesk.common.dlq import dead_letter
from relaydesk.common.tables import BufferedTable
from relaydesk.events import ComplianceVerdict, Reply, ReplyDraft
from relaydesk.generation.cache import PendingReplies
from relaydesk.generation.core import handle, on_reply
from relaydesk.generation.memory import TableHistory
from relaydesk.generation.ports import HistoryTurn
from unit.generation.generation_doubles import ScriptedGenerator, make_deps, make_turn


class Record:
    """Stands in for the Faust event a table write is attributed to (only needs to be weak-referenceable)."""


def counter(metric: object, *labels: str) -> float:
    return float(metric.labels(*labels)._value.get())  # type: ignore[attr-defined]


def test_when_ids_exceed_capacity_or_age_then_oldest_forgotten() -> None:
    clock = ManualClock()
    seen = SeenIds(capacity=3, max_age_s=10.0, clock=clock)
    seen.add(["a", "b", "c"])
    assert "a" in seen and len(seen) == 3
    seen.add(["d"])  # over capacity: the oldest goes
    assert "a" not in seen and {"b", "c", "d"} == {i for i in "bcd" if i in seen}
    clock.now = 5.0
    seen.add(["b"])  # touched again: young again
    clock.now = 12.0
    assert "c" not in seen and "d" not in seen and "b" in seen and len(seen) == 1


def test_when_reply_out_then_redelivered_turn_not_generated_again_and_counted() -> None:
    generator = ScriptedGenerator()
    deps = make_deps(generator)
    turn = make_turn()
    [draft] = asyncio.run(handle(turn, deps))
    assert isinstance(draft, ReplyDraft)
    # Before the reply is out, a redelivery is generated again (its draft id is the same: deduped downstream).
    [again] = asyncio.run(handle(turn, deps))
    assert again.event_id == draft.event_id and len(generator.requests) == 2
    reply = Reply(
        tenant_id=draft.tenant_id, conversation_id=draft.conversation_id, turn_id=draft.turn_id,
        reply_id=draft.reply_id, text=draft.text, mode=draft.mode, handoff=draft.handoff,
        compliance=ComplianceVerdict(verdict="pass"), generation=draft.generation, received_at=draft.received_at,
    )
    asyncio.run(on_reply(reply, deps))
    before = counter(metrics.DEDUPED, "generation", "answered_turn")
    assert asyncio.run(handle(turn, deps)) == []
    assert len(generator.requests) == 2
    assert counter(metrics.DEDUPED, "generation", "answered_turn") == before + 1


def test_when_answered_replies_exceed_bounds_then_forgotten() -> None:
    clock = ManualClock()
    pending = PendingReplies(answered_capacity=2, answered_max_age_s=60.0, clock=clock)
    for reply_id in ("r1", "r2", "r3"):
        pending.pop(reply_id)
    assert not pending.answered("r1") and pending.answered("r3")
    clock.now = 61.0
    assert not pending.answered("r2") and not pending.answered("r3")


def _turn(turn_id: str, role: str = "assistant") -> HistoryTurn:
    return HistoryTurn(turn_id=turn_id, role=role, text=f"text of {turn_id}")


def test_when_replies_replayed_for_many_conversations_then_waiting_history_is_bounded() -> None:
    clock = ManualClock()
    table: dict[str, Any] = {}
    history = TableHistory(BufferedTable(table), max_turns=4, max_waiting=100, max_age_s=600.0,
                           clock=clock)
    for i in range(1_000):  # a replica replaying the replies topic: mostly other replicas' conversations
        history.append(f"c-{i}", _turn(f"t-{i}"))
    assert len(history) == 100
    assert history.get("c-0") == [] and [t.turn_id for t in history.get("c-999")] == ["t-999"]
    clock.now = 601.0
    assert history.get("c-999") == [] and len(history) == 0


def test_when_conversation_flushed_then_waiting_turns_reach_the_table_once_and_in_order() -> None:
    table: dict[str, Any] = {}
    history = TableHistory(BufferedTable(table), max_turns=3)
    history.append("c-1", _turn("t-1", "customer"))
    history.append("c-1", _turn("t-1"))
    history.append("c-1", _turn("t-1"))  # a redelivered reply
    assert "c-1" not in table and [t.role for t in history.get("c-1")] == ["customer", "assistant"]
    history.flush(Record(), "c-1")
    assert len(history) == 0 and [r["role"] for r in table["c-1"]] == ["customer", "assistant"]
    for i in range(2, 5):
        history.append("c-1", _turn(f"t-{i}", "customer"))
    history.flush(Record(), "c-1")
    assert [r["turn_id"] for r in table["c-1"]] == ["t-2", "t-3", "t-4"]


@pytest.mark.parametrize(
    ("error", "error_type"),
    [
        (TimeoutError("slow"), "TimeoutError"),  # a dependency that kept timing out
        (ValueError("bad"), "ValueError"),  # a handler bug
    ],
)
def test_when_dead_letter_built_then_counted_with_its_attempts(error: Exception, error_type: str) -> None:
    before = counter(metrics.DEAD_LETTERS, "unit-test", error_type)
    record = dead_letter(service="unit-test", topic="t", partition=0, offset=7, key=b"k", value=b"{}",
                         headers=[], error=error, attempts=3)
    assert (record.error_type, record.attempts) == (error_type, 3)
    assert counter(metrics.DEAD_LETTERS, "unit-test", error_type) == before + 1
