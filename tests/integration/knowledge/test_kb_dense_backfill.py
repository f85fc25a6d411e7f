"""Deferred dense indexing: a chunk is searchable (BM25) as soon as it is written, its dense vector follows
from the background indexer, a job overtaken by a newer version never overwrites it, and /metrics shows the
backlog and how long vectors waited."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np
import pytest
from prometheus_client import REGISTRY, generate_latest
from prometheus_client.parser import text_string_to_metric_families

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


class GatedEmbedder(CountingEmbedder):
    """The real embedder, holding every passage batch until the test opens the gate."""

    def __init__(self, inner: CountingEmbedder) -> None:
        super().__init__(inner.inner)
        self.gate = threading.Event()

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        assert self.gate.wait(60)
        return super().embed_passages(texts)


def _scraped(name: str) -> float:
    """A sample's value as /metrics serves it."""
    families = text_string_to_metric_families(generate_latest(REGISTRY).decode())
    return next(s.value for f in families for s in f.samples if s.name == name)


def test_when_vectors_wait_then_metrics_show_the_backlog_and_the_lag(
    kb_store: VectorStore, kb_embedder: CountingEmbedder
) -> None:
    collections = ensure_index(kb_store, kb_embedder.dim)
    gated = GatedEmbedder(kb_embedder)
    held = HeldJobs()
    kdeps = knowledge.KnowledgeDeps(kb_store, gated, collections, dense_indexer=held)
    knowledge.handle(upsert("hours", "The desk opens at nine. It closes at five.", 1), kdeps)
    backlog_before, lags_before = _scraped("relaydesk_dense_backlog"), _scraped("relaydesk_dense_lag_seconds_count")
    indexer = BackgroundDenseIndexer(kb_store, gated, batch_size=2)
    indexer.submit(held.jobs)  # the chunk and its units: a title and two sentences
    assert indexer.pending == len(held.jobs) == 4
    assert _scraped("relaydesk_dense_backlog") == backlog_before + 4
    gated.gate.set()
    assert indexer.drain(60)
    assert indexer.pending == 0 and _scraped("relaydesk_dense_backlog") == backlog_before
    assert _scraped("relaydesk_dense_lag_seconds_count") == lags_before + 4
    indexer.close()
