"""Deferred dense indexing: a chunk is searchable (BM25) as soon as it is written, its dense vector follows
from the background indexer, and a job overtaken by a newer version never overwrites it."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from relaydesk.events import KnowledgeUpdate
from relaydesk.knowledge import core as knowledge
from relaydesk.knowledge.adapters.dense_backfill import BackgroundDenseIndexer
from relaydesk.knowledge.dense import DenseJob
from relaydesk.knowledge.index import ensure_index
from relaydesk.retrieval import core as retrieval
from relaydesk.vectorstore.base import Filter, Match, VectorStore

from .conftest import CountingEmbedder

pytestmark = pytest.mark.integration


class HeldJobs:
    """A dense indexer that only keeps what it is given: it stands for a process that died before its
    background thread got to the jobs."""

    def __init__(self) -> None:
        self.jobs: list[DenseJob] = []

    def submit(self, jobs: Sequence[DenseJob]) -> None:
        self.jobs.extend(jobs)


def upsert(doc_id: str, body: str, version: int) -> KnowledgeUpdate:
    return KnowledgeUpdate(tenant_id="acme", op="upsert", doc_id=doc_id, version=version, title="Notice", body=body)


def test_when_deferred_then_searchable_at_once_and_dense_follows(
    kb_store: VectorStore, kb_embedder: CountingEmbedder
) -> None:
    collections = ensure_index(kb_store, kb_embedder.dim)
    indexer = BackgroundDenseIndexer(kb_store, kb_embedder, batch_size=2)
    kdeps = knowledge.KnowledgeDeps(kb_store, kb_embedder, collections, dense_indexer=indexer)
    rdeps = retrieval.RetrievalDeps(kb_store, kb_embedder, collections)
    dense_only = retrieval.RetrievalDeps(kb_store, kb_embedder, collections, mode="dense")
    body = "Our desk in the city centre now opens at nine on weekdays. Reference zq81k."
    knowledge.handle(upsert("hours", body, 1), kdeps)
    # Lexically visible straight away, whatever the background thread is doing.
    assert retrieval.search("acme", "zq81k", 3, rdeps).hits[0].doc_id == "hours"
    assert indexer.drain(60)
    [rec] = kb_store.get(collections.chunks, "acme", ["hours#0"], with_vectors=True)
    assert rec.payload["dense_ready"] == 1 and rec.dense is not None
    assert retrieval.search("acme", "what time does the branch open", 1, dense_only).hits[0].doc_id == "hours"
    # The chunk and its retrieval units (title and two sentences), each with its vector.
    assert kb_store.count(collections.units, "acme", Filter(must=(Match("dense_ready", 1),))) == 3
    assert indexer.stats()["written"] == 1 + 3
    indexer.close()


def test_when_job_overtaken_by_newer_version_then_dropped(kb_store: VectorStore, kb_embedder: CountingEmbedder) -> None:
    collections = ensure_index(kb_store, kb_embedder.dim)
    held = HeldJobs()
    kdeps = knowledge.KnowledgeDeps(kb_store, kb_embedder, collections, dense_indexer=held)
    knowledge.handle(upsert("fees", "A replacement card costs five euros.", 1), kdeps)
    knowledge.handle(upsert("fees", "A replacement card costs seven euros.", 2), kdeps)
    old_job, new_job = [j for j in held.jobs if j.collection == collections.chunks]
    indexer = BackgroundDenseIndexer(kb_store, kb_embedder)
    indexer.submit([old_job])
    assert indexer.drain(60)
    assert indexer.stats()["dropped"] == 1
    [rec] = kb_store.get(collections.chunks, "acme", ["fees#0"])
    assert rec.payload["version"] == 2 and rec.payload["dense_ready"] == 0
    indexer.submit([new_job])
    assert indexer.drain(60)
    [rec] = kb_store.get(collections.chunks, "acme", ["fees#0"])
    assert rec.payload["version"] == 2 and rec.payload["dense_ready"] == 1 and "seven" in rec.payload["text"]
    indexer.close()


def test_when_restarted_then_chunks_left_without_vectors_are_recovered(
    kb_store: VectorStore, kb_embedder: CountingEmbedder
) -> None:
    collections = ensure_index(kb_store, kb_embedder.dim)
    kdeps = knowledge.KnowledgeDeps(kb_store, kb_embedder, collections, dense_indexer=HeldJobs())
    knowledge.handle_batch([upsert("a", "Parcel lockers are free to use.", 1), upsert("b", "Gift cards last three years.", 1)],
                           kdeps)
    pending = Filter(must=(Match("dense_ready", 0),))
    assert kb_store.count(collections.chunks, "acme", pending) == 2
    indexer = BackgroundDenseIndexer(kb_store, kb_embedder)
    assert indexer.recover(collections.chunks) == 2
    assert indexer.drain(60)
    assert kb_store.count(collections.chunks, "acme", pending) == 0
    # Recovery re-encodes the sparse vector it rewrites, so lexical search still works.
    rdeps = retrieval.RetrievalDeps(kb_store, kb_embedder, collections, mode="sparse")
    assert retrieval.search("acme", "parcel lockers", 1, rdeps).hits[0].doc_id == "a"
    # Retrieval units (a title and a sentence per document) are recovered the same way, without sparse terms.
    assert kb_store.count(collections.units, "acme", pending) == 4
    assert indexer.recover(collections.units, sparse=False) == 4
    assert indexer.drain(60)
    assert kb_store.count(collections.units, "acme", pending) == 0
    indexer.close()
