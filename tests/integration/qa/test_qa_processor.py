"""The QA processor on a real broker: a conversation closed by its state is scored once, an idle one is swept
after the timeout, and the replay command's reader and scorer re-score both from the log under a new rubric."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from faust_helpers import running
from kafka_helpers import read_topics
from relaydesk.common import serde
from relaydesk.common.kafka import produce_and_wait, sync_producer
from relaydesk.common.settings import KafkaSettings
from relaydesk.common.topics import Topics
from relaydesk.events import ComplianceVerdict, ConversationState, QaScored, Reply, TurnAnnotated, TurnBody
from relaydesk.qa.app import build_app
from relaydesk.qa.bootstrap import build_deps
from relaydesk.qa.rescore import fold, rescore
from relaydesk.qa.rubric import default_rubric, parse_rubric

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="function")]

NOW = datetime.now(UTC)


def _turn(cid: str, text: str, at: int) -> TurnAnnotated:
    return TurnAnnotated(
        tenant_id="acme", conversation_id=cid, received_at=NOW + timedelta(seconds=at),
        turn=TurnBody(turn_id=f"{cid}-t{at}", channel="webchat", speaker="customer", text=text, lang="en"),
    )


def _reply(cid: str, text: str, at: int) -> Reply:
    return Reply(
        tenant_id="acme", conversation_id=cid, turn_id=f"{cid}-t{at}", reply_id=f"{cid}-r{at}", text=text,
        mode="generated", handoff=False, compliance=ComplianceVerdict(verdict="pass"),
        received_at=NOW + timedelta(seconds=at), occurred_at=NOW + timedelta(seconds=at, milliseconds=500),
    )


def _scored(records: list) -> list[QaScored]:
    return [serde.deserialize(r.value, QaScored) for r in records if r.topic == Topics.QA_SCORED]


async def test_when_closed_or_idle_then_scored_and_replay_rescored(
    kafka: KafkaSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RELAYDESK_WORKER_WEB_PORT", "0")
    monkeypatch.setenv("RELAYDESK_QA_IDLE_TIMEOUT_S", "6")
    monkeypatch.setenv("RELAYDESK_QA_SWEEP_INTERVAL_S", "0.5")
    producer = sync_producer(kafka)
    inputs = [
        (Topics.TURNS_CONTEXT, _turn("c-closed", "I'm really frustrated, where is my order?", 0)),
        (Topics.REPLIES, _reply("c-closed", "Hello, I'm sorry about that. What's your order number?", 0)),
        (Topics.TURNS_CONTEXT, _turn("c-idle", "How do I reset my password?", 0)),
        (Topics.REPLIES, _reply("c-idle", "You can reset it from the login page. Anything else?", 0)),
    ]
    app = build_app(kafka)
    async with running(app, timeout_s=90):
        for topic, event in inputs:
            produce_and_wait(producer, kafka.topic(topic), serde.serialize(event), str(event.conversation_id).encode())
        state = ConversationState(tenant_id="acme", conversation_id="c-closed", state="closed")
        produce_and_wait(producer, kafka.topic(Topics.CONVERSATION_STATE), serde.serialize(state), b"c-closed")

        def both(records: list) -> bool:
            return {s.conversation_id for s in _scored(records)} >= {"c-closed", "c-idle"}

        records = await asyncio.to_thread(read_topics, kafka, [Topics.QA_SCORED], both, 90.0)
        # A redelivered close yields the same id; give the sweep time to (wrongly) score again.
        produce_and_wait(producer, kafka.topic(Topics.CONVERSATION_STATE), serde.serialize(state), b"c-closed")
        await asyncio.sleep(3)
        records = await asyncio.to_thread(read_topics, kafka, [Topics.QA_SCORED], lambda r: False, 5.0)

    scores = _scored(records)
    # On a busy machine the sweep may score c-closed before its close arrives; its close still scores it.
    by_state = [s for s in scores if s.conversation_id == "c-closed" and s.closed_by == "state"]
    assert len({s.event_id for s in by_state}) == 1, "a redelivered close must not make a second score"
    idle = [s for s in scores if s.conversation_id == "c-idle"]
    assert [s.closed_by for s in idle] == ["idle"], "an idle conversation is scored once"
    answers = {a.question: a for a in by_state[0].answers}
    assert answers["empathy"].answer == "yes" and answers["greeting"].answer == "yes"
    assert answers["closing"].answer == "no" and answers["closing"].evidence  # ends on a question

    # Replay: read the conversation topics from the beginning, rebuild, re-score under a changed rubric.
    from relaydesk.cli.qa_rescore import read_events

    events = read_events(kafka, [Topics.TURNS_CONTEXT, Topics.REPLIES], quiet_s=2.0, timeout_s=30.0)
    changed = parse_rubric(
        "name: closing-only\nsections:\n  - id: s\n    questions:\n      - id: closing\n        weight: 1\n"
    )
    again = rescore(fold(events), build_deps(), since=NOW - timedelta(minutes=5), rubric=changed)
    assert {s.conversation_id for s in again} == {"c-closed", "c-idle"}
    assert all(s.rubric_version == changed.version != default_rubric().version for s in again)
    assert all(s.closed_by == "rescore" for s in again)
