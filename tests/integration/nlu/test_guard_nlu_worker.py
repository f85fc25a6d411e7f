"""The local stack's guard-nlu worker on a real broker with the real models: raw turns in, annotated turns out on
turns.emotion with the guard's redaction and verdict, the intent and the emotion, the audit on compliance.audit,
nothing on turns.guarded, and the same event ids the guard, intent and emotion workers give when run apart."""

from __future__ import annotations

import asyncio

import pytest

from faust_helpers import running
from kafka_helpers import read_topics
from relaydesk.common import serde
from relaydesk.common.kafka import produce_and_wait, sync_producer
from relaydesk.common.settings import KafkaSettings
from relaydesk.common.topics import Topics
from relaydesk.events import ComplianceAudit, ConversationTurn, TurnAnnotated
from relaydesk.events.ids import derived_id
from relaydesk.nlu.app import build_app

CARD = "4111 1111 1111 1111"


def _turn(conversation: str, text: str) -> ConversationTurn:
    return ConversationTurn(tenant_id="acme", conversation_id=conversation, turn_id=f"t-{conversation}",
                            channel="webchat", speaker="customer", text=text)  # fmt: skip


async def test_when_raw_turns_reach_guard_nlu_then_annotated_turns_leave_with_split_layout_ids(
    kafka: KafkaSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RELAYDESK_WORKER_WEB_PORT", "0")
    turns = [
        _turn("c-card", f"my card {CARD} was charged twice, I want a refund"),
        _turn("c-parcel", "where is my parcel? it was due last week"),
    ]
    producer = sync_producer(kafka)
    app = build_app(kafka, guard=True)
    async with running(app, timeout_s=90):
        for turn in turns:
            produce_and_wait(producer, kafka.topic(Topics.TURNS_RAW), serde.serialize(turn),
                             key=turn.conversation_id.encode())  # fmt: skip
        records = await asyncio.to_thread(
            read_topics, kafka, [Topics.TURNS_EMOTION, Topics.COMPLIANCE_AUDIT],
            lambda rs: sum(r.topic == Topics.TURNS_EMOTION for r in rs) >= 2
            and sum(r.topic == Topics.COMPLIANCE_AUDIT for r in rs) >= 2, 60,
        )  # fmt: skip
        guarded = await asyncio.to_thread(read_topics, kafka, [Topics.TURNS_GUARDED], lambda rs: False, 2)

    out = {e.conversation_id: e for r in records if r.topic == Topics.TURNS_EMOTION
           for e in [serde.deserialize(r.value, TurnAnnotated)]}  # fmt: skip
    audits = [serde.deserialize(r.value, ComplianceAudit) for r in records if r.topic == Topics.COMPLIANCE_AUDIT]
    assert set(out) == {"c-card", "c-parcel"}
    assert guarded == []  # the hop this layout saves
    for turn in turns:
        event = out[turn.conversation_id]
        guard_id = derived_id(turn.event_id, "guard")  # what the guard worker would have put on turns.guarded
        intent_id = derived_id(guard_id, "intent")
        assert event.event_id == derived_id(intent_id, "emotion")  # as if it had crossed turns.intent too
        assert event.guard is not None and event.intent is not None and event.emotion is not None
        assert [s.stage for s in event.stages][:3] == ["guard", "intent", "emotion"]
    card = out["c-card"]
    assert "4111" not in card.turn.text and "<CREDIT_CARD>" in card.turn.text
    assert out["c-parcel"].intent.label == "order_status"  # type: ignore[union-attr]
    assert {a.conversation_id for a in audits} >= {"c-card", "c-parcel"}
