"""What each stage adds to a turn. Each block has its own schema under `schemas/annotations/`."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Literal

import numpy as np
from pydantic import Field

from relaydesk.events.envelope import Model

EmotionLabel = Literal["anger", "disgust", "fear", "joy", "sadness", "surprise", "neutral"]
EMOTION_LABELS: tuple[str, ...] = ("anger", "disgust", "fear", "joy", "sadness", "surprise", "neutral")


class Entity(Model):
    """A detected span: a type and character offsets into the text it was found in. Never the value."""

    type: str = Field(min_length=1, max_length=64)
    start: int = Field(ge=0)
    end: int = Field(ge=0)


class Attack(Model):
    detected: bool
    score: float = Field(ge=0.0, le=1.0)
    reasons: list[str] = Field(default_factory=list)


class GuardAnnotation(Model):
    """Inbound checks: PII found (and masked) in the customer's text, and prompt-injection flags."""

    redacted: bool
    pii: list[Entity] = Field(default_factory=list)
    attack: Attack
    raw_retained: bool = False


class IntentCandidate(Model):
    label: str
    score: float = Field(ge=0.0, le=1.0)


class IntentAnnotation(Model):
    label: str = Field(min_length=1, max_length=64)
    confidence: float = Field(ge=0.0, le=1.0)
    out_of_scope: bool = False
    candidates: list[IntentCandidate] = Field(default_factory=list)
    model: str | None = None


class EmotionAnnotation(Model):
    label: EmotionLabel
    sentiment: float = Field(ge=-1.0, le=1.0)
    escalate: bool
    escalate_reason: str | None = None
    scores: dict[str, float] = Field(default_factory=dict)
    trend: list[float] = Field(default_factory=list)
    model: str | None = None


class SentenceScore(Model):
    """A sentence of a hit and its query-passage similarity, as retrieval's second stage scored it."""

    text: str
    score: float


class RetrievalHit(Model):
    doc_id: str
    chunk_id: str
    title: str
    text: str
    score: float
    version: int = Field(ge=0)
    lang: str | None = None
    # The sentences of this hit's text the second stage scored (best first); empty when it did not run.
    sentences: list[SentenceScore] = Field(default_factory=list, max_length=64)


class RetrievalAnnotation(Model):
    kb_version: int = Field(ge=0)
    query: str
    hits: list[RetrievalHit] = Field(default_factory=list)
    latency_ms: float | None = Field(default=None, ge=0.0)
    # Set when the search failed (e.g. "store_unavailable"): the hits are unknown, which is not "no knowledge".
    error: str | None = Field(default=None, max_length=64)
    # The lowest sentence score the second stage returned: an unscored sentence of a hit scores at most this.
    sentence_floor: float | None = None


class TurnEmbedding(Model):
    """The turn's query embedding, computed once and reused downstream (float16, little-endian, base64)."""

    model: str
    dim: int = Field(gt=0)
    vector_b64: str

    @classmethod
    def from_vector(cls, model: str, vector: np.ndarray) -> TurnEmbedding:
        data = np.asarray(vector, dtype="<f2").tobytes()
        return cls(model=model, dim=int(vector.shape[-1]), vector_b64=base64.b64encode(data).decode("ascii"))

    def vector(self) -> np.ndarray:
        return np.frombuffer(base64.b64decode(self.vector_b64), dtype="<f2").astype(np.float32)


class StageTiming(Model):
    stage: str
    latency_ms: float = Field(ge=0.0)
    at: datetime
