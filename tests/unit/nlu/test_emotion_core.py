from __future__ import annotations

import pytest

from relaydesk.emotion.adapters.vader import VaderPolarity
from relaydesk.emotion.classifier import load_model
from relaydesk.emotion.core import EmotionDeps, handle, handle_batch
from relaydesk.emotion.escalation import EscalationPolicy, InMemoryTrendStore
from relaydesk.emotion.features import LexicalFeatures
from relaydesk.emotion.lexicon import builtin_lexicon
from relaydesk.events import TurnAnnotated, TurnEmbedding
from relaydesk.events.annotations import EMOTION_LABELS
from relaydesk.nlu.encoder import TurnEncoder
from relaydesk.nlu.glossary import builtin_glossary
from unit.nlu.nlu_fakes import HashingEmbedder, make_turn

# The packaged model was trained on multilingual-e5 vectors; with the hashing embedder its labels mean
# nothing, so these tests check the core's mechanics. Label quality is tested in tests/integration/nlu.


def _deps(embedder: HashingEmbedder, policy: EscalationPolicy | None = None) -> EmotionDeps:
    return EmotionDeps(
        encoder=TurnEncoder(embedder, builtin_glossary()),
        model=load_model(),
        features=LexicalFeatures(builtin_lexicon(), VaderPolarity()),
        trend_store=InMemoryTrendStore(),
        policy=policy or EscalationPolicy(),
    )


# Escalates as soon as a conversation has three customer turns: isolates the trend plumbing from the model.
_ANY_THREE = EscalationPolicy(window=3, rise=-5.0, floor=5.0, tolerance=5.0)


def test_when_turn_handled_then_emotion_annotated(embedder: HashingEmbedder) -> None:
    event = make_turn("I am furious, this is outrageous!!!")
    [out] = handle(event, _deps(embedder))
    assert isinstance(out, TurnAnnotated) and out.emotion is not None
    assert out.emotion.label in EMOTION_LABELS
    assert -1.0 <= out.emotion.sentiment <= 1.0
    assert set(out.emotion.scores) == set(EMOTION_LABELS)
    assert abs(sum(out.emotion.scores.values()) - 1.0) < 1e-3
    assert out.emotion.trend == [out.emotion.sentiment]
    assert out.causation_id == event.event_id and out.event_id != event.event_id
    assert [s.stage for s in out.stages] == ["emotion"]
    TurnAnnotated.model_validate(out.model_dump(mode="json"))


def test_when_intent_embedding_present_then_not_embedded_again(embedder: HashingEmbedder) -> None:
    deps = _deps(embedder)
    vector = deps.encoder.encode(["where is my refund"])[0]
    event = make_turn("where is my refund").model_copy(
        update={"embedding": TurnEmbedding.from_vector(deps.encoder.model_id, vector)}
    )
    calls = embedder.calls
    [out] = handle(event, deps)
    assert embedder.calls == calls
    assert out.embedding == event.embedding


def test_when_embedding_missing_then_embedded_and_published(embedder: HashingEmbedder) -> None:
    [out] = handle(make_turn("where is my refund"), _deps(embedder))
    assert out.embedding is not None and out.embedding.model == _deps(embedder).encoder.model_id


def test_when_embedding_of_other_model_then_embedded_here(embedder: HashingEmbedder) -> None:
    deps = _deps(embedder)
    foreign = TurnEmbedding.from_vector("another-model", deps.encoder.encode(["x"])[0])
    calls = embedder.calls
    [out] = handle(make_turn("where is my refund").model_copy(update={"embedding": foreign}), deps)
    assert embedder.calls == calls + 1
    assert out.embedding is not None and out.embedding.model == deps.encoder.model_id


def test_when_conversation_goes_on_then_trend_accumulates_per_conversation(embedder: HashingEmbedder) -> None:
    deps = _deps(embedder, _ANY_THREE)
    first = [handle(make_turn(f"turn {i}", turn_id=f"a{i}"), deps)[0] for i in range(3)]
    other = handle(make_turn("hello", conversation="conv-2"), deps)[0]
    assert [len(o.emotion.trend) for o in first] == [1, 2, 3]  # type: ignore[union-attr]
    assert [o.emotion.escalate for o in first] == [False, False, True]  # type: ignore[union-attr]
    assert first[2].emotion.escalate_reason == "rising_negative"  # type: ignore[union-attr]
    assert len(other.emotion.trend) == 1 and not other.emotion.escalate  # type: ignore[union-attr]


def test_when_one_conversation_twice_in_a_batch_then_second_sees_first(embedder: HashingEmbedder) -> None:
    deps = _deps(embedder)
    outputs = handle_batch([make_turn("one", turn_id="1"), make_turn("two", turn_id="2")], deps)
    first, second = outputs[0][0].emotion, outputs[1][0].emotion  # type: ignore[union-attr]
    assert second.trend == [*first.trend, second.sentiment]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("speaker", "expected_trend_len"),
    [
        ("customer", 3),  # the customer's turns make the trend
        ("agent", 2),  # an agent turn is labelled but leaves the trend alone
        ("bot", 2),  # so is a bot turn
    ],
)
def test_when_speaker_then_trend_updated_only_for_customer(
    embedder: HashingEmbedder, speaker: str, expected_trend_len: int
) -> None:
    deps = _deps(embedder, _ANY_THREE)
    for i in range(2):
        handle(make_turn(f"turn {i}", turn_id=f"c{i}"), deps)
    [out] = handle(make_turn("I will sue you", turn_id="x", speaker=speaker), deps)
    assert len(deps.trend_store.get("conv-1")) == expected_trend_len
    assert out.emotion.escalate is (speaker == "customer")  # type: ignore[union-attr]


def test_when_turn_redelivered_then_counted_once_and_annotated_the_same(embedder: HashingEmbedder) -> None:
    deps = _deps(embedder, _ANY_THREE)
    turns = [make_turn(f"this is getting worse {i}", turn_id=f"c{i}") for i in range(3)]
    first = [handle(t, deps)[0] for t in turns]
    replay = handle(turns[1], deps)[0]  # at-least-once: the broker hands the second turn over again
    assert len(deps.trend_store.get("conv-1")) == 3
    assert replay.emotion == first[1].emotion


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("I'm going to take legal action against you", "threat_legal"),  # English
        ("再这样我就去12315投诉你们", "threat_complain"),  # Chinese: consumer hotline
        ("もう二度と使わない", "threat_leave"),  # Japanese: never again
        ("saya akan menggugat kalian ke pengadilan", "threat_legal"),  # Indonesian
    ],
)
def test_when_explicit_threat_then_escalated_at_once(embedder: HashingEmbedder, text: str, reason: str) -> None:
    [out] = handle(make_turn(text), _deps(embedder))
    assert out.emotion.escalate and out.emotion.escalate_reason == reason  # type: ignore[union-attr]


def test_when_empty_batch_then_nothing(embedder: HashingEmbedder) -> None:
    assert handle_batch([], _deps(embedder)) == []
