"""What the generation core needs from the outside world, as small protocols and value types.

The lead's Faust adapter implements `PartialSink` (a Kafka producer on `replies.partial`) and
`ConversationHistory` (a Faust table keyed by conversation id); `memory.py` has in-memory versions.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, Protocol, runtime_checkable

import numpy as np
from pydantic import Field

from relaydesk.events.envelope import Model
from relaydesk.events.reply import ReplyPartial

# --- the model service ----------------------------------------------------------------------------------


class GenerationUnavailable(RuntimeError):
    """The model service could not be reached or could not serve (connection error, 5xx, replica gone)."""


class GenerationRejected(RuntimeError):
    """The model service refused this request (4xx: invalid, or a prompt over the context window)."""


@dataclass(frozen=True)
class GenerationRequest:
    messages: tuple[tuple[str, str], ...]  # (role, content)
    max_new_tokens: int
    temperature: float = 0.0
    request_id: str | None = None
    # How many leading messages many requests share word for word (the tenant's system message): an engine
    # that can keep their computed state does, and prefills only the rest. 0: nothing shared.
    cached_prefix: int = 0


@dataclass(frozen=True)
class GenerationChunk:
    """A text delta, or (done=True) the end of the stream with its usage."""

    delta: str = ""
    done: bool = False
    model: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    finish_reason: str | None = None


@runtime_checkable
class TextGenerator(Protocol):
    def stream(self, request: GenerationRequest) -> AsyncIterator[GenerationChunk]: ...


# --- streaming partials ---------------------------------------------------------------------------------


@runtime_checkable
class PartialSink(Protocol):
    """Where token deltas go while a reply is generated (`replies.partial`, keyed by conversation id)."""

    async def emit(self, partial: ReplyPartial) -> None: ...


# --- conversation memory --------------------------------------------------------------------------------


class SourceSnippet(Model):
    """A retrieved passage as the prompt saw it. Kept with an answer so a follow-up can reuse it."""

    doc_id: str
    chunk_id: str
    title: str = ""
    text: str
    version: int = Field(default=0, ge=0)
    score: float = 0.0


class HistoryTurn(Model):
    """One turn of a conversation as generation remembers it (redacted text only). A pydantic model, so a
    Faust table can store it as JSON (`model_dump(mode="json")` / `model_validate`)."""

    turn_id: str
    role: Literal["customer", "assistant"]
    text: str
    sources: list[SourceSnippet] = Field(default_factory=list)
    at: datetime = Field(default_factory=lambda: datetime.now(UTC))


@runtime_checkable
class ConversationHistory(Protocol):
    """Recent turns per conversation, oldest first. `append` keeps at most the configured number of turns
    and ignores a turn whose (turn_id, role) it already holds (a redelivered event)."""

    def get(self, conversation_id: str) -> list[HistoryTurn]: ...

    def append(self, conversation_id: str, turn: HistoryTurn) -> None: ...


# --- the semantic cache ---------------------------------------------------------------------------------


class CachedSource(Model):
    doc_id: str
    version: int = Field(ge=0)
    chunk_id: str | None = None
    title: str = ""


class CacheEntry(Model):
    """An approved reply, reusable for a similar question while the documents it used are unchanged."""

    reply_id: str
    tenant_id: str
    text: str
    sources: list[CachedSource]
    kb_version: int = Field(ge=0)
    lang: str = "any"
    config_revision: int = Field(default=0, ge=0)
    embed_model: str
    model: str | None = None
    # Digests (not text) of the cached question's terms and key terms, for the lexical guards in cache.py.
    question_terms: list[str] = Field(default_factory=list)
    question_keys: list[str] = Field(default_factory=list)
    question_kind: str | None = None

    @property
    def doc_ids(self) -> list[str]:
        return sorted({s.doc_id for s in self.sources})


@dataclass(frozen=True)
class CacheScope:
    """What a lookup must match exactly before similarity counts."""

    tenant_id: str
    lang: str
    config_revision: int
    embed_model: str


@runtime_checkable
class CacheStore(Protocol):
    """Synchronous store calls; the core runs them off the event loop with a timeout."""

    def lookup(self, scope: CacheScope, vector: np.ndarray, k: int) -> list[tuple[CacheEntry, float]]: ...

    def put(self, entry: CacheEntry, vector: np.ndarray) -> None: ...

    def invalidate_doc(self, tenant_id: str, doc_id: str) -> None: ...


# --- sentence similarity --------------------------------------------------------------------------------


@runtime_checkable
class SentenceScorer(Protocol):
    """The embedder's similarity of each sentence to the turn's query vector (which the turn already
    carries). When `query_model` is not the scorer's embedder (the NLU turn vector is of the normalised,
    gloss-mixed text: `<embedder>/turn-v1`), the scorer embeds `query_text` itself; with no `query_text` it
    returns None. Synchronous; the core runs it off the event loop with a timeout."""

    def similarities(
        self, query_vector: np.ndarray, query_model: str, sentences: Sequence[str], query_text: str | None = None
    ) -> np.ndarray | None: ...


# --- time -----------------------------------------------------------------------------------------------


class Clock(Protocol):
    def monotonic(self) -> float: ...

    def now(self) -> datetime: ...


class SystemClock:
    def monotonic(self) -> float:
        return time.perf_counter()

    def now(self) -> datetime:
        return datetime.now(UTC)


def as_messages(pairs: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"role": role, "content": content} for role, content in pairs]
