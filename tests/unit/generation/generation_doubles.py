"""Builders and test doubles for the generation core's unit tests.

`ScriptedGenerator` stands in for the model service (the real one is exercised in
tests/integration/generation); `MemoryCacheStore` for the vector store (the real Qdrant Edge one is too).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime

import numpy as np

from relaydesk.events import (
    Attack,
    EmotionAnnotation,
    GuardAnnotation,
    IntentAnnotation,
    RetrievalAnnotation,
    RetrievalHit,
    TurnAnnotated,
    TurnBody,
    TurnEmbedding,
)
from relaydesk.generation.config import GenerationSettings
from relaydesk.generation.core import GenerationDeps
from relaydesk.generation.memory import InMemoryHistory, ListPartialSink
from relaydesk.generation.ports import CacheEntry, CacheScope, GenerationChunk, GenerationRequest

REFUNDS = "Refunds are processed within 5 business days after we receive the returned item."
SHIPPING = "Standard shipping takes 3 to 5 business days. Express shipping arrives the next business day."


def hit(doc_id: str = "refunds", text: str = REFUNDS, version: int = 1, title: str = "Refunds") -> RetrievalHit:
    return RetrievalHit(doc_id=doc_id, chunk_id=f"{doc_id}#0", title=title, text=text, score=0.9, version=version)


def unit_vector(seed: int, dim: int = 384) -> np.ndarray:
    vec = np.random.default_rng(seed).standard_normal(dim).astype(np.float32)
    return vec / np.linalg.norm(vec)


def make_turn(
    text: str = "How long do refunds take?",
    *,
    hits: Sequence[RetrievalHit] | None = None,
    turn_id: str = "t-1",
    conversation_id: str = "c-1",
    tenant_id: str = "acme",
    speaker: str = "customer",
    lang: str | None = "en",
    intent: str | None = "refund_status",
    emotion: EmotionAnnotation | None = None,
    attack: bool = False,
    vector: np.ndarray | None = None,
) -> TurnAnnotated:
    return TurnAnnotated(
        tenant_id=tenant_id,
        conversation_id=conversation_id,
        turn=TurnBody(turn_id=turn_id, channel="webchat", speaker=speaker, text=text, lang=lang),  # type: ignore[arg-type]
        received_at=datetime(2026, 1, 1, tzinfo=UTC),
        guard=GuardAnnotation(redacted=False, attack=Attack(detected=attack, score=0.9 if attack else 0.0)),
        intent=IntentAnnotation(label=intent, confidence=0.9) if intent else None,
        emotion=emotion,
        retrieval=RetrievalAnnotation(kb_version=7, query=text, hits=list([hit()] if hits is None else hits)),
        embedding=TurnEmbedding.from_vector("e5-test", vector) if vector is not None else None,
    )


def emotion(label: str = "neutral", escalate: bool = False, sentiment: float = 0.0) -> EmotionAnnotation:
    return EmotionAnnotation(label=label, sentiment=sentiment, escalate=escalate)  # type: ignore[arg-type]


class ScriptedGenerator:
    """Streams a fixed answer word by word, optionally slowly or failing, and records the requests."""

    def __init__(
        self, text: str = REFUNDS, delay_s: float = 0.0, fail: Exception | None = None, fail_after: int = 0,
        finish_reason: str = "stop",
    ) -> None:
        self.text = text
        self.finish_reason = finish_reason
        self.yielded = 0  # pieces handed out (a caller that stops reading stops the stream)
        self.delay_s = delay_s
        self.fail = fail
        self.fail_after = fail_after
        self.requests: list[GenerationRequest] = []

    async def stream(self, request: GenerationRequest) -> AsyncIterator[GenerationChunk]:
        self.requests.append(request)
        pieces = re.findall(r"\S+\s*", self.text)
        for i, piece in enumerate(pieces):
            if self.fail is not None and i == self.fail_after:
                raise self.fail
            if self.delay_s:
                await asyncio.sleep(self.delay_s)
            self.yielded += 1
            yield GenerationChunk(delta=piece)
        if self.fail is not None:
            raise self.fail
        yield GenerationChunk(done=True, model="scripted", prompt_tokens=42, completion_tokens=len(pieces),
                              finish_reason=self.finish_reason)

    def system_prompt(self, index: int = -1) -> str:
        return self.requests[index].messages[0][1]

    def last_user_message(self, index: int = -1) -> str:
        return self.requests[index].messages[-1][1]


class MemoryCacheStore:
    """Brute-force cosine search over entries, with the same scope matching as the vector-store adapter."""

    def __init__(self) -> None:
        self.entries: dict[str, tuple[CacheEntry, np.ndarray]] = {}

    def lookup(self, scope: CacheScope, vector: np.ndarray, k: int) -> list[tuple[CacheEntry, float]]:
        scored = [
            (entry, float(np.dot(vec, vector)))
            for entry, vec in self.entries.values()
            if entry.tenant_id == scope.tenant_id and entry.lang == scope.lang
            and entry.config_revision == scope.config_revision and entry.embed_model == scope.embed_model
        ]
        return sorted(scored, key=lambda s: -s[1])[:k]

    def put(self, entry: CacheEntry, vector: np.ndarray) -> None:
        self.entries[entry.reply_id] = (entry, vector)

    def invalidate_doc(self, tenant_id: str, doc_id: str) -> None:
        for key, (entry, _) in list(self.entries.items()):
            if entry.tenant_id == tenant_id and doc_id in entry.doc_ids:
                del self.entries[key]


def make_deps(
    generator: ScriptedGenerator | None = None,
    partials: ListPartialSink | None = None,
    cache: MemoryCacheStore | None = None,
    **settings: object,
) -> GenerationDeps:
    return GenerationDeps(
        generator=generator or ScriptedGenerator(),
        history=InMemoryHistory(),
        settings=GenerationSettings(**settings),  # type: ignore[arg-type]
        partials=partials,
        cache=cache,
    )
