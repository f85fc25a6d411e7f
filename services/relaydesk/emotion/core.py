"""The emotion stage's pure core: label each turn with one of seven emotions and a sentiment score, keep
the conversation's sentiment trend, and decide escalation. The turn's embedding comes from the intent stage
when its model matches; only turns without it are embedded here."""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from relaydesk.emotion.classifier import EmotionModel
from relaydesk.emotion.escalation import EscalationPolicy, TrendStore, decide, extend_trend, scores
from relaydesk.emotion.features import FEATURE_NAMES, LexicalFeatures
from relaydesk.emotion.lexicon import TextView
from relaydesk.emotion.sentiment import sentiment_score
from relaydesk.events import (
    EmotionAnnotation,
    Envelope,
    StageTiming,
    TurnAnnotated,
    TurnEmbedding,
    utcnow,
)
from relaydesk.nlu.encoder import TurnEncoder
from relaydesk.nlu.lang import turn_lang
from relaydesk.nlu.text import replace_placeholders

STAGE = "emotion"
_THREAT = FEATURE_NAMES.index("threat")


@dataclass
class EmotionDeps:
    encoder: TurnEncoder
    model: EmotionModel
    features: LexicalFeatures
    trend_store: TrendStore
    policy: EscalationPolicy = field(default_factory=EscalationPolicy)
    lexical_sentiment_weight: float = 0.3
    clock: Callable[[], float] = time.perf_counter


@dataclass(frozen=True)
class EmotionReading:
    """What the classifier says about one turn, before the conversation's trend is consulted."""

    label: str
    sentiment: float
    scores: dict[str, float]
    threat: str | None


def read_emotions(
    texts: Sequence[str], langs: Sequence[str], vectors: np.ndarray, deps: EmotionDeps
) -> list[EmotionReading]:
    lexical = deps.features.extract_many(texts, langs)
    probs = deps.model.predict_proba(vectors, lexical)
    labels = deps.model.labels
    readings: list[EmotionReading] = []
    for text, p, row in zip(texts, probs, lexical, strict=True):
        threat = None
        if row[_THREAT] > 0:
            folded = replace_placeholders(unicodedata.normalize("NFKC", text)).casefold()
            threat = deps.features.lexicon.threat(TextView.of(folded))
        readings.append(
            EmotionReading(
                label=labels[int(np.argmax(p))],
                sentiment=sentiment_score(p, labels, row, deps.lexical_sentiment_weight),
                scores={label: round(float(v), 4) for label, v in zip(labels, p, strict=True)},
                threat=threat,
            )
        )
    return readings


def _annotate(event: TurnAnnotated, reading: EmotionReading, deps: EmotionDeps) -> EmotionAnnotation:
    conversation = event.conversation_id
    points = deps.trend_store.get(conversation) if conversation else []
    escalate, reason = False, None
    # Only the customer's turns make the trend; agent and bot turns are labelled but never escalate.
    if event.turn.speaker == "customer":
        points, is_new = extend_trend(points, event.turn.turn_id, reading.sentiment, deps.policy.keep)
        if conversation and is_new:
            deps.trend_store.put(conversation, points)
        escalate, reason = decide(scores(points), reading.threat, deps.policy)
    trend = scores(points)
    return EmotionAnnotation(
        label=reading.label,  # type: ignore[arg-type]  # one of EMOTION_LABELS, checked when the model loads
        sentiment=round(reading.sentiment, 4),
        escalate=escalate,
        escalate_reason=reason,
        scores=reading.scores,
        trend=trend,
        model=deps.model.name,
    )


def handle_batch(events: Sequence[TurnAnnotated], deps: EmotionDeps) -> list[list[Envelope]]:
    if not events:
        return []
    started = deps.clock()
    vectors, embedded_here = deps.encoder.turn_vectors(events)
    texts = [e.turn.text for e in events]
    langs = [turn_lang(e.turn.lang, e.turn.text) for e in events]
    readings = read_emotions(texts, langs, vectors, deps)
    # In order, one at a time: two turns of one conversation in a batch must see each other's trend.
    annotations = [_annotate(e, r, deps) for e, r in zip(events, readings, strict=True)]
    latency_ms = (deps.clock() - started) * 1000.0
    at = utcnow()
    fresh = set(embedded_here)
    outputs: list[list[Envelope]] = []
    for i, (event, annotation) in enumerate(zip(events, annotations, strict=True)):
        update: dict[str, object] = {
            **event.caused(STAGE),
            "occurred_at": at,
            "emotion": annotation,
            "stages": [*event.stages, StageTiming(stage=STAGE, latency_ms=latency_ms, at=at)],
        }
        if i in fresh:
            update["embedding"] = TurnEmbedding.from_vector(deps.encoder.model_id, vectors[i])
        outputs.append([event.model_copy(update=update)])
    return outputs


def handle(event: TurnAnnotated, deps: EmotionDeps) -> list[Envelope]:
    return handle_batch([event], deps)[0]
