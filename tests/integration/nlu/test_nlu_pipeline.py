"""Intent then emotion on one conversation with the real model, as the stream processors run them: the
emotion stage reuses the intent stage's embedding, and escalation follows the conversation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from relaydesk.embedding.base import Embedder
from relaydesk.emotion import core as emotion_core
from relaydesk.emotion.bootstrap import build_deps as emotion_deps
from relaydesk.emotion.core import EmotionDeps
from relaydesk.events import TenantConfig, TenantIntent, TurnAnnotated, TurnBody
from relaydesk.intent import core as intent_core
from relaydesk.intent.bootstrap import build_deps as intent_deps
from relaydesk.intent.core import IntentDeps


def _turn(text: str, i: int, conversation: str = "c-1", tenant: str = "acme") -> TurnAnnotated:
    return TurnAnnotated(
        tenant_id=tenant,
        conversation_id=conversation,
        turn=TurnBody(turn_id=f"t{i}", channel="webchat", speaker="customer", text=text),
        received_at=datetime.now(UTC),
    )


@pytest.fixture(scope="module")
def stages(real_embedder: Embedder) -> tuple[IntentDeps, EmotionDeps]:
    return intent_deps(embedder=real_embedder), emotion_deps(embedder=real_embedder)


def _run(texts: list[str], stages: tuple[IntentDeps, EmotionDeps], conversation: str) -> list[TurnAnnotated]:
    ideps, edeps = stages
    annotated = [o[0] for o in intent_core.handle_batch([_turn(t, i, conversation) for i, t in enumerate(texts)], ideps)]
    return [o[0] for o in emotion_core.handle_batch(annotated, edeps)]  # type: ignore[arg-type,misc]


def test_when_conversation_sours_then_escalated_and_annotated(
    stages: tuple[IntentDeps, EmotionDeps], real_embedder: Embedder
) -> None:
    texts = [
        "hi, where is my parcel?",
        "it was due last week and still nothing",
        "this is ridiculous, third time I'm asking!!",
        "agent",
    ]
    misses = real_embedder.misses  # type: ignore[attr-defined]
    ideps, edeps = stages
    annotated = [o[0] for o in intent_core.handle_batch([_turn(t, i, "sour") for i, t in enumerate(texts)], ideps)]
    after_intent = real_embedder.misses  # type: ignore[attr-defined]
    out = [o[0] for o in emotion_core.handle_batch(annotated, edeps)]  # type: ignore[arg-type]
    assert real_embedder.misses == after_intent >= misses  # type: ignore[attr-defined]  # emotion embedded nothing
    intents = [o.intent.label for o in out]  # type: ignore[union-attr]
    emotions = [o.emotion for o in out]  # type: ignore[union-attr]
    assert intents[0] == "order_status" and intents[3] == "human_agent"
    assert emotions[2].label == "anger" and emotions[2].sentiment < -0.4  # type: ignore[union-attr]
    assert emotions[2].escalate and emotions[2].escalate_reason in {"rising_negative", "sustained_negative"}  # type: ignore[union-attr]
    assert not emotions[0].escalate  # type: ignore[union-attr]
    assert [s.stage for s in out[0].stages] == ["intent", "emotion"]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("if this isn't fixed today I'm calling my lawyer", "threat_legal"),  # English
        ("我要去消协投诉你们", "threat_complain"),  # Chinese
        ("他社に乗り換えます", "threat_leave"),  # Japanese
    ],
)
def test_when_customer_threatens_then_escalated_at_once(
    stages: tuple[IntentDeps, EmotionDeps], text: str, reason: str
) -> None:
    [out] = _run([text], stages, f"threat-{reason}")
    assert out.emotion.escalate and out.emotion.escalate_reason == reason  # type: ignore[union-attr]


def test_when_tenant_config_arrives_then_new_intent_recognised(stages: tuple[IntentDeps, EmotionDeps]) -> None:
    ideps, _ = stages
    config = TenantConfig(
        tenant_id="motors",
        revision=1,
        intents=[
            TenantIntent(
                name="book_test_drive",
                description="The customer wants to book a test drive",
                examples=["I'd like to test drive the new model", "Can I book a test drive?", "schedule a drive"],
            )
        ],
    )
    intent_core.apply_tenant_config(config, ideps)
    [out] = intent_core.handle(_turn("could I take the SUV for a test drive on Saturday?", 0, tenant="motors"), ideps)
    assert out.intent.label == "book_test_drive" and not out.intent.out_of_scope  # type: ignore[union-attr]
    [builtin] = intent_core.handle(_turn("where is my parcel?", 1, tenant="motors"), ideps)
    assert builtin.intent.label == "order_status"  # type: ignore[union-attr]
