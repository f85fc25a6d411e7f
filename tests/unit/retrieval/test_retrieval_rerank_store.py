"""The two-stage search over a real Qdrant Edge store (hashing embedder, so it runs in milliseconds): units
are written next to chunks, the second stage reads them, and a failed unit search keeps the first-stage
order and is counted."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from relaydesk.common import metrics
from relaydesk.events import KnowledgeUpdate
from relaydesk.knowledge import core as knowledge
from relaydesk.knowledge.index import ensure_index
from relaydesk.retrieval import core as retrieval
from relaydesk.vectorstore.base import ScoredPoint, SearchRequest, VectorStoreError
from relaydesk.vectorstore.edge import EdgeVectorStore
from unit.nlu.nlu_fakes import HashingEmbedder

pytestmark = pytest.mark.unit

DOCS = [
    ("fees", "Card fees", "A replacement card costs seven euros. The first one each year is free."),
    ("hours", "Branch hours", "Our desk opens at nine on weekdays. It is closed on Sundays."),
    ("refunds", "Refund timing", "Refunds reach your account within five working days."),
]


class UnitsDown(EdgeVectorStore):
    """A real store whose units collection fails, as a half-migrated or broken shard would."""

    def search_batch(self, name: str, requests: Sequence[SearchRequest]) -> list[list[ScoredPoint]]:
        if name == "knowledge-units":
            raise VectorStoreError("units shard unavailable")
        return super().search_batch(name, requests)


def index(store: EdgeVectorStore) -> retrieval.RetrievalDeps:
    embedder = HashingEmbedder()
    collections = ensure_index(store, embedder.dim)
    kdeps = knowledge.KnowledgeDeps(store=store, embedder=embedder, collections=collections)
    knowledge.handle_batch([
        KnowledgeUpdate(tenant_id="acme", op="upsert", doc_id=d, version=1, title=t, body=b, lang="en")
        for d, t, b in DOCS
    ], kdeps)
    return retrieval.RetrievalDeps(store=store, embedder=embedder, collections=collections)


def test_when_documents_indexed_then_units_are_searchable_and_hits_name_one_chunk_per_document(tmp_path: Path) -> None:
    store = EdgeVectorStore(tmp_path / "store")
    deps = index(store)
    assert store.count(deps.collections.units, "acme") == 3 + 3 + 2  # each title and its sentences
    hits = retrieval.search("acme", "replacement card costs", 3, deps).hits
    assert hits[0].doc_id == "fees"
    assert len({h.doc_id for h in hits}) == len(hits)  # k hits name k documents
    assert all(0.0 < h.score < 1.0 for h in hits) and hits[0].score >= hits[-1].score
    store.close()


def test_when_the_unit_search_fails_then_first_stage_order_and_a_counted_fallback(tmp_path: Path) -> None:
    store = UnitsDown(tmp_path / "store")
    deps = index(store)
    counter = metrics.FALLBACKS.labels("retrieval", retrieval.RERANK_UNAVAILABLE)
    before = counter._value.get()
    hits = retrieval.search("acme", "replacement card costs", 3, deps).hits
    assert hits and hits[0].doc_id == "fees"
    assert counter._value.get() == before + 1
    store.close()


def test_when_the_second_stage_ran_then_each_hit_carries_its_scored_sentences_and_the_query_a_floor(
    tmp_path: Path,
) -> None:
    store = EdgeVectorStore(tmp_path / "store")
    deps = index(store)
    result = retrieval.search("acme", "replacement card costs", 3, deps)
    top = result.hits[0]
    assert top.doc_id == "fees" and top.sentences
    assert all(s.text in top.text for s in top.sentences)
    assert [s.score for s in top.sentences] == sorted((s.score for s in top.sentences), reverse=True)
    assert result.sentence_floor is not None
    assert all(s.score >= result.sentence_floor for h in result.hits for s in h.sentences)
    store.close()
