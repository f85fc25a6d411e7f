"""Hybrid retrieval over a tenant's knowledge: dense (e5) and sparse (BM25) candidate lists fused in the
store (distribution-based score fusion by default, reciprocal rank fusion as the alternative), filtered to
the tenant and to chunks valid now.

The knowledge version a turn is stamped with is read *before* the search, so the hits are never older than
the version claimed (a cache keyed on it can only err towards re-computing).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import numpy as np

from relaydesk.common import metrics
from relaydesk.embedding.base import Embedder
from relaydesk.events import (
    Envelope,
    RetrievalAnnotation,
    RetrievalHit,
    StageTiming,
    TurnAnnotated,
    utcnow,
)
from relaydesk.knowledge.index import Collections, read_kb_version
from relaydesk.knowledge.terms import Bm25Encoder, strip_placeholders
from relaydesk.retrieval.config import Mode
from relaydesk.vectorstore.base import Filter, Range, ScoredPoint, SearchRequest, VectorStore, VectorStoreError

log = logging.getLogger(__name__)

# RetrievalAnnotation.error when the vector store failed: the hits are unknown, not empty.
STORE_UNAVAILABLE = "store_unavailable"


@dataclass
class RetrievalDeps:
    store: VectorStore
    embedder: Embedder
    collections: Collections = field(default_factory=Collections)
    encoder: Bm25Encoder = field(default_factory=Bm25Encoder)
    k: int = 4
    mode: Mode = "hybrid"
    prefetch_k: int = 40
    rrf_k: int = 60
    dense_weight: float = 1.0
    sparse_weight: float = 1.0
    # Chosen on evals/retrieval/dev_queries.jsonl (never on the reported set): see docs/knowledge.md.
    fusion: Literal["rrf", "dbsf"] = "dbsf"
    max_query_chars: int = 1000
    clock: Callable[[], datetime] = utcnow


@dataclass(frozen=True)
class SearchResult:
    hits: list[RetrievalHit]
    kb_version: int
    latency_ms: float = 0.0

    def to_json(self) -> dict[str, Any]:
        """The gateway's `GET /v1/knowledge/search` answer."""
        return {
            "results": [
                {"doc_id": h.doc_id, "chunk_id": h.chunk_id, "score": h.score, "title": h.title, "text": h.text,
                 "version": h.version}
                for h in self.hits
            ],
            "kb_version": self.kb_version,
        }


def clean_query(text: str, max_chars: int) -> str:
    return " ".join(strip_placeholders(text).split())[:max_chars]


def search(tenant_id: str, query: str, k: int, deps: RetrievalDeps, mode: Mode | None = None) -> SearchResult:
    """One tenant's search. `mode` overrides the configured one: `sparse` is a lexical lookup that needs no
    query embedding (exact codes, references, probes)."""
    return search_many([(tenant_id, query)], k, deps, mode=mode)[0]


def search_many(
    queries: Sequence[tuple[str, str]],
    k: int,
    deps: RetrievalDeps,
    vectors: Sequence[np.ndarray | None] | None = None,
    mode: Mode | None = None,
) -> list[SearchResult]:
    """(tenant, query) pairs in, one result each. `vectors[i]`, when given, is query i's embedding already
    computed upstream; the rest are embedded in one batch."""
    started = time.perf_counter()
    mode = mode or deps.mode
    texts = [clean_query(q, deps.max_query_chars) for _, q in queries]
    kb_versions = {t: read_kb_version(deps.store, t, deps.collections) for t in {t for t, _ in queries}}
    dense = _query_vectors(texts, vectors, deps) if mode != "sparse" else [None] * len(texts)
    now = deps.clock().timestamp()
    valid_now = Filter(must=(Range("valid_from", lte=now), Range("valid_to", gt=now)))
    requests: list[SearchRequest] = []
    live: list[int] = []
    for i, ((tenant, _), text) in enumerate(zip(queries, texts, strict=True)):
        if not text:
            continue
        sparse = deps.encoder.query(text) if mode != "dense" else None
        if sparse is not None and not sparse.indices:
            sparse = None  # nothing lexical to match (all stopwords): dense alone
        vec = dense[i] if mode != "sparse" else None
        if vec is None and sparse is None:
            continue
        requests.append(
            SearchRequest(
                tenant, vec, sparse, k, valid_now, prefetch_k=max(deps.prefetch_k, k), rrf_k=deps.rrf_k,
                weights=(deps.dense_weight, deps.sparse_weight), fusion=deps.fusion,
            )
        )
        live.append(i)
    found: list[list[ScoredPoint]] = deps.store.search_batch(deps.collections.chunks, requests) if requests else []
    latency = (time.perf_counter() - started) * 1e3
    results = [SearchResult([], kb_versions[t], latency) for t, _ in queries]
    for i, points in zip(live, found, strict=True):
        results[i] = SearchResult([_hit(p) for p in points], kb_versions[queries[i][0]], latency)
    return results


def _query_vectors(
    texts: list[str], given: Sequence[np.ndarray | None] | None, deps: RetrievalDeps
) -> list[np.ndarray | None]:
    out: list[np.ndarray | None] = list(given) if given is not None else [None] * len(texts)
    todo = [i for i, v in enumerate(out) if v is None and texts[i]]
    if todo:
        embedded = deps.embedder.embed_queries([texts[i] for i in todo])
        for i, vec in zip(todo, embedded, strict=True):
            out[i] = vec
    return out


def _hit(p: ScoredPoint) -> RetrievalHit:
    pl = p.payload
    return RetrievalHit(
        doc_id=str(pl.get("doc_id", "")),
        chunk_id=str(pl.get("chunk_id", p.id)),
        title=str(pl.get("title", "")),
        text=str(pl.get("text", "")),
        score=p.score,
        version=int(pl.get("version", 0)),
        lang=pl.get("lang"),
    )


def handle(event: TurnAnnotated, deps: RetrievalDeps) -> list[Envelope]:
    return handle_batch([event], deps)[0]


def handle_batch(events: Sequence[TurnAnnotated], deps: RetrievalDeps) -> list[list[Envelope]]:
    """Each turn comes back annotated with its hits and the knowledge version they came from. The intent
    stage's query embedding is reused when it came from this embedder. If the store fails, turns go on with
    no hits (generation then falls back or hands off) rather than stalling the partition."""
    if not events:
        return []
    started = time.perf_counter()
    model, dim = deps.embedder.model_id, deps.embedder.dim
    given = [
        e.embedding.vector() if e.embedding is not None and e.embedding.model == model and e.embedding.dim == dim
        else None
        for e in events
    ]
    queries = [(e.tenant_id, e.turn.text) for e in events]
    error: str | None = None
    try:
        results = search_many(queries, deps.k, deps, given)
    except VectorStoreError as exc:
        # Not "no knowledge": the turn says the store was unavailable, so generation degrades accordingly
        # (an answer from the conversation's earlier passages, else a hand-off) and it is counted.
        log.warning("retrieval degraded: store error %s for %d turns", type(exc).__name__, len(events))
        metrics.FALLBACKS.labels("retrieval", STORE_UNAVAILABLE).inc(len(events))
        results = [SearchResult([], 0) for _ in events]
        error = STORE_UNAVAILABLE
    latency = (time.perf_counter() - started) * 1e3
    now = utcnow()
    out: list[list[Envelope]] = []
    for event, result in zip(events, results, strict=True):
        annotation = RetrievalAnnotation(
            kb_version=result.kb_version,
            query=clean_query(event.turn.text, deps.max_query_chars),
            hits=result.hits,
            latency_ms=latency,
            error=error,
        )
        out.append([
            event.model_copy(
                update={
                    **event.caused("retrieval"),
                    "occurred_at": now,
                    "retrieval": annotation,
                    "stages": [*event.stages, StageTiming(stage="retrieval", latency_ms=latency, at=now)],
                }
            )
        ])
    return out
