"""Deterministic event ids: every stage derives its outputs' ids from the input event and itself, so a redelivered
input yields the same ids (consumers dedupe by them) and no two stages, or two outputs of one stage, collide."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from relaydesk.compliance import core as compliance
from relaydesk.compliance.config import ComplianceSettings
from relaydesk.compliance.injection import InjectionDetector
from relaydesk.compliance.pii import Redactor, get_redactor
from relaydesk.compliance.tenants import TenantPolicies
from relaydesk.emotion import core as emotion
from relaydesk.emotion.adapters.vader import VaderPolarity
from relaydesk.emotion.classifier import load_model
from relaydesk.emotion.escalation import EscalationPolicy, InMemoryTrendStore
from relaydesk.emotion.features import LexicalFeatures
from relaydesk.emotion.lexicon import builtin_lexicon
from relaydesk.events import ConversationTurn, Envelope, Handoff, KnowledgeUpdate, ReplyPartial
from relaydesk.events.ids import derived_id, handoff_id, partial_id
from relaydesk.events.reply import reply_id_for
from relaydesk.generation import core as generation
from relaydesk.generation.memory import ListPartialSink
from relaydesk.guard import core as guard
from relaydesk.guard.tenants import RawRetention, RawRetentionPolicies
from relaydesk.intent import core as intent
from relaydesk.intent.catalogue import load_background
from relaydesk.intent.classifier import IntentDefinition
from relaydesk.intent.registry import IntentRegistry
from relaydesk.knowledge import core as knowledge
from relaydesk.knowledge.index import ensure_index
from relaydesk.nlu.encoder import TurnEncoder
from relaydesk.nlu.glossary import builtin_glossary
from relaydesk.retrieval import core as retrieval
from relaydesk.vectorstore.edge import EdgeVectorStore
from unit.compliance.helpers import draft
from unit.generation.generation_doubles import ScriptedGenerator, make_deps
from unit.generation.generation_doubles import make_turn as context_turn
from unit.nlu.nlu_fakes import HashingEmbedder
from unit.nlu.nlu_fakes import make_turn as annotated_turn

CARD = "4111 1111 1111 1111"


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return get_redactor()


def ids(events: Sequence[Envelope]) -> list[str]:
    return [e.event_id for e in events]


def assert_stable(run: Callable[[], Sequence[Envelope]], cause: Envelope, stage: str) -> list[Envelope]:
    """Handle the same input twice: the same ids, all distinct, none the cause's, each caused by it."""
    first, second = list(run()), list(run())
    assert first, "the stage produced nothing"
    assert ids(first) == ids(second)
    assert len(set(ids(first))) == len(first)
    for out in first:
        if out.event_id == cause.event_id:
            continue  # the guard re-emits the raw turn itself for the archive
        assert out.causation_id == cause.event_id
    assert derived_id(cause.event_id, stage) in ids(first) or stage in ("compliance", "guard")
    return first


def test_when_guard_handles_a_turn_twice_then_annotated_and_audit_ids_repeat(redactor: Redactor) -> None:
    deps = guard.GuardDeps(
        redactor=redactor, injection=InjectionDetector(None),
        retention=RawRetentionPolicies(RawRetention(retain_raw=True, raw_retention_ms=3_600_000)), policy_version="t",
    )
    raw = ConversationTurn(tenant_id="acme", conversation_id="c-1", turn_id="t-1", channel="sms",
                           speaker="customer", text=f"my card is {CARD}")
    out = assert_stable(lambda: guard.handle(raw, deps), raw, "guard")
    assert ids(out)[:2] == [derived_id(raw.event_id, "guard"), derived_id(raw.event_id, "guard", "audit")]


def test_when_intent_and_emotion_handle_a_turn_twice_then_ids_repeat_and_differ_by_stage() -> None:
    embedder = HashingEmbedder()
    encoder = TurnEncoder(embedder, builtin_glossary())
    catalogue = (IntentDefinition("order_status", "", ("where is my order", "track my parcel")),
                 IntentDefinition("refund_request", "", ("i want a refund", "refund my money")))
    background = encoder.encode(list(load_background()))
    model = intent.fit_intents(catalogue, encoder, background, mix=0.5, threshold=0.0)
    intent_deps = intent.IntentDeps(encoder, IntentRegistry(model), catalogue, background, threshold=0.0)
    emotion_deps = emotion.EmotionDeps(
        encoder=encoder, model=load_model(), features=LexicalFeatures(builtin_lexicon(), VaderPolarity()),
        trend_store=InMemoryTrendStore(), policy=EscalationPolicy(),
    )
    turn = annotated_turn("where is my order, I am annoyed")
    [by_intent] = assert_stable(lambda: intent.handle(turn, intent_deps), turn, "intent")
    [by_emotion] = assert_stable(lambda: emotion.handle(turn, emotion_deps), turn, "emotion")
    assert by_intent.event_id != by_emotion.event_id  # same cause, different stages


def test_when_retrieval_and_knowledge_handle_twice_then_ids_repeat(tmp_path: Path) -> None:
    embedder = HashingEmbedder()
    store = EdgeVectorStore(tmp_path / "kb")
    try:
        collections = ensure_index(store, embedder.dim)
        kdeps = knowledge.KnowledgeDeps(store=store, embedder=embedder, collections=collections)
        update = KnowledgeUpdate(tenant_id="acme", op="upsert", doc_id="refunds", version=1, title="Refunds",
                                 body="Refunds take five working days.")
        # The second run is a redelivery (status duplicate): the same id, so it is one event downstream.
        [applied] = assert_stable(lambda: knowledge.handle(update, kdeps), update, "knowledge")
        assert applied.event_id == derived_id(update.event_id, "knowledge")
        rdeps = retrieval.RetrievalDeps(store=store, embedder=embedder, collections=collections)
        turn = annotated_turn("how long do refunds take")
        assert_stable(lambda: retrieval.handle(turn, rdeps), turn, "retrieval")
    finally:
        store.close()


def _run_generation(turn: Envelope, partials: ListPartialSink, **settings: Any) -> list[Envelope]:
    import asyncio

    deps = make_deps(ScriptedGenerator(), partials=partials, **settings)
    return asyncio.run(generation.handle(turn, deps))


def test_when_generation_handles_a_turn_twice_then_draft_partial_and_handoff_ids_repeat() -> None:
    turn = context_turn()
    first_sink, second_sink = ListPartialSink(), ListPartialSink()
    first = _run_generation(turn, first_sink)
    second = _run_generation(turn, second_sink)
    assert ids(first) == ids(second) == [derived_id(turn.event_id, "generation")]
    reply_id = reply_id_for("c-1", "t-1")
    streamed = ids(first_sink.partials)
    assert streamed and streamed == ids(second_sink.partials)
    assert streamed == [partial_id(reply_id, p.seq) for p in first_sink.partials]  # from (reply id, sequence)
    # A hand-off's id comes from the turn.
    handoff_turn = context_turn(hits=[])
    handed = _run_generation(handoff_turn, ListPartialSink())
    [handoff] = [e for e in handed if isinstance(e, Handoff)]
    assert handoff.event_id == handoff_id(reply_id) and handoff.causation_id == handoff_turn.event_id


def test_when_compliance_handles_a_draft_twice_then_reply_audit_review_handoff_ids_repeat(
    redactor: Redactor,
) -> None:
    settings = ComplianceSettings()
    deps = compliance.ComplianceDeps(
        redactor=redactor, tenants=TenantPolicies(compliance.default_policy(settings)), settings=settings
    )
    blocked = draft("This plan has guaranteed returns.", streamed=True)  # retract, reply, audit, review, hand-off
    out = assert_stable(lambda: compliance.handle(blocked, deps), blocked, "compliance")
    kinds = [type(e).__name__ for e in out]
    assert kinds == ["ReplyPartial", "Reply", "ComplianceAudit", "ComplianceReview", "Handoff"]
    retract, reply, audit, review, handoff = out
    assert isinstance(retract, ReplyPartial)
    assert retract.event_id == partial_id(blocked.reply_id, retract.seq)
    assert [reply.event_id, audit.event_id, review.event_id] == [
        derived_id(blocked.event_id, "compliance", part) for part in ("reply", "audit", "review")
    ]
    # Generation and compliance agree on the one hand-off of a turn.
    assert handoff.event_id == handoff_id(blocked.reply_id)


def test_when_parts_or_causes_differ_then_ids_differ() -> None:
    assert derived_id("e1", "intent") != derived_id("e1", "emotion")
    assert derived_id("e1", "intent") != derived_id("e2", "intent")
    assert derived_id("e1", "compliance", "audit") != derived_id("e1", "compliance", "review")
    assert partial_id("r1", 0) != partial_id("r1", 1) != partial_id("r2", 1)
    assert len(derived_id("e1", "guard")) == 32
