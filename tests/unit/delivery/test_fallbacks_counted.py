"""Every defined degradation is counted in FALLBACKS{stage, kind}, and a vector-store outage is told apart
from "no knowledge"."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from relaydesk.common import metrics
from relaydesk.events import ComplianceVerdict, Handoff, Reply, ReplyDraft
from relaydesk.generation.adapters.cache_store import VectorStoreCache
from relaydesk.generation.core import GenerationDeps, handle, on_reply
from relaydesk.generation.fallback import KNOWLEDGE_UNAVAILABLE
from relaydesk.generation.memory import InMemoryHistory
from relaydesk.generation.ports import (
    GenerationChunk,
    GenerationRejected,
    GenerationRequest,
    GenerationUnavailable,
    HistoryTurn,
)
from relaydesk.knowledge.index import ensure_index
from relaydesk.retrieval import core as retrieval
from relaydesk.vectorstore.edge import EdgeVectorStore
from unit.generation.generation_doubles import ScriptedGenerator, make_deps, make_turn, unit_vector
from unit.nlu.nlu_fakes import HashingEmbedder
from unit.nlu.nlu_fakes import make_turn as annotated_turn


def fallbacks(stage: str, kind: str) -> float:
    return float(metrics.FALLBACKS.labels(stage, kind)._value.get())


class Counted:
    """Asserts that FALLBACKS{stage, kind} went up by exactly `n` inside the block."""

    def __init__(self, stage: str, kind: str, n: int = 1) -> None:
        self.stage, self.kind, self.n = stage, kind, n

    def __enter__(self) -> Counted:
        self.before = fallbacks(self.stage, self.kind)
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            assert fallbacks(self.stage, self.kind) == self.before + self.n, (self.stage, self.kind)


def draft_of(outputs: list[Any]) -> ReplyDraft:
    [draft] = [o for o in outputs if isinstance(o, ReplyDraft)]
    return draft


@pytest.fixture
def closed_store(tmp_path: Path) -> EdgeVectorStore:
    """A real store whose shards were closed under the worker: every call fails as a dependency would."""
    store = EdgeVectorStore(tmp_path / "store")
    ensure_index(store, 384)
    store.ensure_collection("generation-cache", dim=384)
    return store


def test_when_vector_store_down_then_turn_marked_unavailable_not_no_knowledge(closed_store: EdgeVectorStore) -> None:
    deps = retrieval.RetrievalDeps(store=closed_store, embedder=HashingEmbedder())
    closed_store.close()
    with Counted("retrieval", retrieval.STORE_UNAVAILABLE, n=2):
        outputs = retrieval.handle_batch([annotated_turn("refund?"), annotated_turn("order?", turn_id="t2")], deps)
    annotations = [out[0].retrieval for out in outputs]
    assert [(a.hits, a.error) for a in annotations] == [([], "store_unavailable")] * 2


def test_when_retrieval_marked_unavailable_then_generation_hands_off_saying_so() -> None:
    turn = make_turn(hits=[])
    assert turn.retrieval is not None
    turn = turn.model_copy(update={"retrieval": turn.retrieval.model_copy(update={"error": "store_unavailable"})})
    with Counted("generation", KNOWLEDGE_UNAVAILABLE):
        outputs = asyncio.run(handle(turn, make_deps()))
    draft = draft_of(outputs)
    assert (draft.mode, draft.fallback_reason) == ("handoff", KNOWLEDGE_UNAVAILABLE)
    [handoff] = [o for o in outputs if isinstance(o, Handoff)]
    assert handoff.reason == "generation_failed"  # not "no_knowledge": the knowledge may exist
    # The same turn without the mark is an honest "no knowledge", and that is not a fallback of the store.
    with Counted("generation", KNOWLEDGE_UNAVAILABLE, n=0):
        plain = draft_of(asyncio.run(handle(make_turn(hits=[], turn_id="t-2"), make_deps())))
    assert plain.fallback_reason == "no_knowledge"


class EndsWithoutDone:
    """A model stream that stops without its final chunk (a replica that died mid-answer)."""

    async def stream(self, request: GenerationRequest) -> AsyncIterator[GenerationChunk]:
        yield GenerationChunk(delta="Refunds are ")


@pytest.mark.parametrize(
    ("generator", "settings", "kind"),
    [
        (ScriptedGenerator(delay_s=0.05), {"request_timeout_s": 0.02}, "timeout"),  # a slow replica
        (ScriptedGenerator(fail=GenerationUnavailable("down")), {}, "unavailable"),  # no replica
        (ScriptedGenerator(fail=GenerationRejected("busy")), {}, "rejected"),  # the replica refused (overload)
        (ScriptedGenerator(fail=RuntimeError("boom")), {}, "error"),  # any other replica error
        (EndsWithoutDone(), {}, "incomplete"),  # the stream ended early
        (ScriptedGenerator(text=""), {}, "empty"),  # nothing said
        (ScriptedGenerator(text="Our office cat is called Biscuit and likes tuna."), {}, "ungrounded"),
    ],
)
def test_when_generation_fails_then_extractive_answer_and_counted(
    generator: Any, settings: dict[str, Any], kind: str
) -> None:
    with Counted("generation", kind):
        draft = draft_of(asyncio.run(handle(make_turn(), make_deps(generator, **settings))))
    assert (draft.mode, draft.fallback_reason) == ("extractive", kind)


def test_when_cache_store_fails_then_generated_anyway_and_read_and_write_counted(
    closed_store: EdgeVectorStore,
) -> None:
    cache = VectorStoreCache(closed_store, "generation-cache", 384)
    closed_store.close()
    deps = make_deps(cache=cache)
    with Counted("generation", "cache_read"):
        draft = draft_of(asyncio.run(handle(make_turn(vector=unit_vector(1)), deps)))
    assert draft.mode == "generated" and not draft.cache.hit
    reply = Reply(
        tenant_id=draft.tenant_id, conversation_id=draft.conversation_id, turn_id=draft.turn_id,
        reply_id=draft.reply_id, text=draft.text, mode=draft.mode, handoff=draft.handoff,
        compliance=ComplianceVerdict(verdict="pass"), generation=draft.generation, received_at=draft.received_at,
    )
    with Counted("generation", "cache_write"):
        asyncio.run(on_reply(reply, deps))


class UnavailableHistory(InMemoryHistory):
    def get(self, conversation_id: str) -> list[HistoryTurn]:
        raise ConnectionError("history store down")

    def append(self, conversation_id: str, turn: HistoryTurn) -> None:
        raise ConnectionError("history store down")


def test_when_history_unavailable_then_turn_answered_alone_and_counted() -> None:
    deps: GenerationDeps = make_deps()
    deps.history = UnavailableHistory()
    with Counted("generation", "history_read"), Counted("generation", "history_write"):
        draft = draft_of(asyncio.run(handle(make_turn(), deps)))
    assert draft.mode == "generated"


class StalledSink:
    async def emit(self, partial: Any) -> None:
        await asyncio.sleep(10)


def test_when_partial_sink_stalls_then_stream_stops_reply_still_drafted_and_counted() -> None:
    deps = make_deps(partials=StalledSink(), partial_emit_timeout_s=0.01)
    with Counted("generation", "stream_stopped"):
        draft = draft_of(asyncio.run(handle(make_turn(), deps)))
    assert draft.mode == "generated" and not draft.streamed
