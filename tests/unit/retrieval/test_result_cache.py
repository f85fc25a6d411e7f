"""Retrieval's result cache over a real Qdrant Edge store (hashing embedder): a repeated query is answered
without searching while nothing that decides its result can change, and searched again when something can:
a new knowledge version, a dense vector still pending, a validity window opening within the window checked,
the window's end."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from relaydesk.common import metrics
from relaydesk.events import KnowledgeUpdate
from relaydesk.knowledge import core as knowledge
from relaydesk.knowledge.dense import DenseJob
from relaydesk.knowledge.index import CHUNKS, ensure_index
from relaydesk.retrieval import core as retrieval
from relaydesk.retrieval.result_cache import ResultCache
from relaydesk.vectorstore.base import ScoredPoint, SearchRequest
from relaydesk.vectorstore.edge import EdgeVectorStore
from unit.nlu.nlu_fakes import HashingEmbedder

pytestmark = pytest.mark.unit

T0 = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
WINDOW_S = 300.0


class CountingStore(EdgeVectorStore):
    """A real store that counts the chunk searches asked of it."""

    searches = 0

    def search_batch(self, name: str, requests: Sequence[SearchRequest]) -> list[list[ScoredPoint]]:
        if name == CHUNKS:
            self.searches += len(requests)
        return super().search_batch(name, requests)


class HeldJobs:
    """A dense indexer that never runs its jobs: the chunks stay marked pending, as during a backfill."""

    def __init__(self) -> None:
        self.jobs: list[DenseJob] = []

    def submit(self, jobs: Sequence[DenseJob]) -> None:
        self.jobs.extend(jobs)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def store(tmp_path: Path):
    s = CountingStore(tmp_path / "store")
    yield s
    s.close()


def kdeps(store: CountingStore, **changes: object) -> knowledge.KnowledgeDeps:
    embedder = HashingEmbedder()
    return knowledge.KnowledgeDeps(store=store, embedder=embedder, collections=ensure_index(store, embedder.dim),
                                   **changes)  # type: ignore[arg-type]


def push(deps: knowledge.KnowledgeDeps, doc_id: str, body: str, version: int = 1, **window: datetime) -> None:
    knowledge.handle_batch([KnowledgeUpdate(tenant_id="acme", op="upsert", doc_id=doc_id, version=version,
                                            title=doc_id.title(), body=body, lang="en", **window)], deps)


def rdeps(k: knowledge.KnowledgeDeps, clock: Clock) -> retrieval.RetrievalDeps:
    return retrieval.RetrievalDeps(store=k.store, embedder=k.embedder, collections=k.collections, clock=clock,
                                   results=ResultCache(64, WINDOW_S))


def ask(deps: retrieval.RetrievalDeps, text: str = "how long do refunds take") -> retrieval.SearchResult:
    return retrieval.search("acme", text, 3, deps)


def searched(store: CountingStore, deps: retrieval.RetrievalDeps, text: str = "how long do refunds take") -> bool:
    before = store.searches
    ask(deps, text)
    return store.searches > before


def test_when_query_repeats_then_same_result_without_a_search_until_knowledge_changes(store: CountingStore) -> None:
    k = kdeps(store)
    push(k, "refunds", "Refunds reach your account within five working days.")
    push(k, "fees", "A replacement card costs seven euros.")
    deps = rdeps(k, Clock())
    hits_before = metrics.RETRIEVAL_RESULT_CACHE.labels("hit")._value.get()
    first = ask(deps)
    assert first.hits[0].doc_id == "refunds"
    assert not searched(store, deps)
    assert ask(deps).hits == first.hits and ask(deps).kb_version == first.kb_version
    assert metrics.RETRIEVAL_RESULT_CACHE.labels("hit")._value.get() == hits_before + 3
    assert searched(store, deps, "what does a replacement card cost")  # another query is its own entry

    push(k, "refunds", "Refunds reach your account within three working days.", version=2)
    after = ask(deps)
    assert after.kb_version == first.kb_version + 1 and "three working days" in after.hits[0].text
    assert not searched(store, deps)  # the new version's result is kept in its turn


def test_when_a_dense_vector_is_pending_then_nothing_is_kept(store: CountingStore) -> None:
    held = HeldJobs()
    k = kdeps(store, dense_indexer=held)
    push(k, "refunds", "Refunds reach your account within five working days.")
    assert held.jobs
    deps = rdeps(k, Clock())
    unsettled_before = metrics.RETRIEVAL_RESULT_CACHE.labels("unsettled")._value.get()
    assert searched(store, deps) and searched(store, deps)
    assert metrics.RETRIEVAL_RESULT_CACHE.labels("unsettled")._value.get() >= unsettled_before + 2


@pytest.mark.parametrize(
    ("opens_in_s", "kept"),
    [
        # a price change that takes effect within the window: the result may change without a new version
        (60.0, False),
        # one that takes effect after the window: the result stands until the window ends
        (WINDOW_S + 60.0, True),
    ],
)
def test_when_a_validity_window_opens_within_the_window_then_nothing_is_kept(
    store: CountingStore, opens_in_s: float, kept: bool
) -> None:
    k = kdeps(store)
    push(k, "refunds", "Refunds reach your account within five working days.")
    push(k, "refunds-2027", "From next year refunds take two days.", valid_from=T0 + timedelta(seconds=opens_in_s))
    deps = rdeps(k, Clock())
    ask(deps)
    assert searched(store, deps) is not kept


def test_when_the_window_ends_then_the_query_is_searched_again(store: CountingStore) -> None:
    k = kdeps(store)
    push(k, "refunds", "Refunds reach your account within five working days.")
    clock = Clock()
    deps = rdeps(k, clock)
    ask(deps)
    clock.now = T0 + timedelta(seconds=WINDOW_S - 1)
    assert not searched(store, deps)
    clock.now = T0 + timedelta(seconds=WINDOW_S)
    assert searched(store, deps)
    assert not searched(store, deps)  # kept again for the next window


def test_when_no_cache_then_every_query_is_searched(store: CountingStore) -> None:
    k = kdeps(store)
    push(k, "refunds", "Refunds reach your account within five working days.")
    deps = replace(rdeps(k, Clock()), results=None)
    ask(deps)
    assert searched(store, deps)


def test_when_cache_is_full_then_the_least_recently_used_result_goes() -> None:
    cache: ResultCache[str] = ResultCache(2, WINDOW_S)

    def settled(tenant: str, now: float, until: float) -> bool:
        return True

    for key in ("a", "b"):
        cache.put(key, "acme", 1, key.upper(), 0.0, settled)
    assert cache.get("a", 1.0) == "A"  # "b" is now the least recently used
    cache.put("c", "acme", 1, "C", 1.0, settled)
    assert cache.get("b", 1.0) is None and cache.get("a", 1.0) == "A" and cache.get("c", 1.0) == "C"


def test_when_sizes_are_not_positive_then_the_cache_refuses() -> None:
    with pytest.raises(ValueError, match="positive"):
        ResultCache(0, WINDOW_S)
