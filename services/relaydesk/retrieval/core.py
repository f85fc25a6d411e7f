"""Hybrid retrieval over a tenant's knowledge: dense (e5) and sparse (BM25) candidate lists, filtered to the
tenant and to chunks valid now, fused per document and language and re-ranked by the documents' sentences
and titles (`retrieval/fusion.py`; the default, `fusion="rerank"`), or fused in the store (`dbsf`, `rrf`).

The knowledge version a turn is stamped with is read *before* the search, so the hits are never older than
the version claimed (a cache keyed on it can only err towards re-computing).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

import numpy as np

from relaydesk.common import metrics
from relaydesk.embedding.base import Embedder
from relaydesk.events import (
    Envelope,
    RetrievalAnnotation,
    RetrievalHit,
    SentenceScore,
    StageTiming,
    TurnAnnotated,
    utcnow,
)
from relaydesk.knowledge.index import Collections, read_kb_version
from relaydesk.knowledge.terms import Bm25Encoder, strip_placeholders
from relaydesk.retrieval.config import Mode
from relaydesk.retrieval.fusion import (
    DocCandidate,
    FusionConfig,
    first_stage,
    hit_sentences,
    second_stage,
    sentence_floor,
    squash,
)
from relaydesk.retrieval.result_cache import ResultCache
from relaydesk.vectorstore.base import (
    Filter,
    Match,
    MatchAny,
    Range,
    ScoredPoint,
    SearchRequest,
    VectorStore,
    VectorStoreError,
)

log = logging.getLogger(__name__)

# RetrievalAnnotation.error when the vector store failed: the hits are unknown, not empty.
STORE_UNAVAILABLE = "store_unavailable"
# Counted when the second stage could not read the units and the first-stage order was kept.
RERANK_UNAVAILABLE = "rerank_unavailable"


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
    fusion: Literal["rerank", "rrf", "dbsf"] = "rerank"
    max_query_chars: int = 1000
    clock: Callable[[], datetime] = utcnow
    fusion_config: FusionConfig = field(default_factory=FusionConfig)
    units_per_doc: int = 16
    results: ResultCache[SearchResult] | None = None  # None: every query is searched


@dataclass(frozen=True)
class SearchResult:
    hits: list[RetrievalHit]
    kb_version: int
    latency_ms: float = 0.0
    sentence_floor: float | None = None  # see RetrievalAnnotation.sentence_floor

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
    computed upstream; the rest are embedded in one batch. A query whose result `deps.results` still holds
    for the tenant's current knowledge version is not searched again (retrieval/result_cache.py)."""
    started = time.perf_counter()
    mode = mode or deps.mode
    texts = [clean_query(q, deps.max_query_chars) for _, q in queries]
    kb_versions = {t: read_kb_version(deps.store, t, deps.collections) for t in {t for t, _ in queries}}
    cache, now = deps.results, deps.clock().timestamp()
    if cache is None:
        return _search(queries, texts, kb_versions, k, deps, vectors, mode, started, now)
    keys = [(t, mode, k, text, kb_versions[t]) for (t, _), text in zip(queries, texts, strict=True)]
    out: list[SearchResult | None] = [cache.get(key, now) for key in keys]
    todo = [i for i, r in enumerate(out) if r is None]
    metrics.RETRIEVAL_RESULT_CACHE.labels("hit").inc(len(out) - len(todo))
    if todo:
        fresh = _search([queries[i] for i in todo], [texts[i] for i in todo], kb_versions, k, deps,
                        [vectors[i] for i in todo] if vectors is not None else None, mode, started, now)
        probe = _settled_probe(deps)
        for i, result in zip(todo, fresh, strict=True):
            kept = cache.put(keys[i], queries[i][0], kb_versions[queries[i][0]], result, now, probe)
            metrics.RETRIEVAL_RESULT_CACHE.labels("kept" if kept else "unsettled").inc()
            out[i] = result
    latency = (time.perf_counter() - started) * 1e3
    searched = set(todo)
    return [r if i in searched else replace(r, latency_ms=latency) for i, r in enumerate(out) if r is not None]


def _settled_probe(deps: RetrievalDeps) -> Callable[[str, float, float], bool]:
    """Whether a tenant's results can change before `until` without a new knowledge version: a dense vector
    still pending (the backfill fills it in), or a validity window opening or closing in (now, until]."""
    def probe(tenant_id: str, now: float, until: float) -> bool:
        pending = Filter(must=(Match("dense_ready", 0),))
        boundary = Filter(should=(Range("valid_from", gt=now, lte=until), Range("valid_to", gt=now, lte=until)))
        try:
            return not any(
                deps.store.count(name, tenant_id, flt)
                for name in (deps.collections.chunks, deps.collections.units) for flt in (pending, boundary)
            )
        except VectorStoreError:  # the search itself worked: keep nothing rather than fail the turn
            return False
    return probe


def _search(
    queries: Sequence[tuple[str, str]],
    texts: list[str],
    kb_versions: dict[str, int],
    k: int,
    deps: RetrievalDeps,
    vectors: Sequence[np.ndarray | None] | None,
    mode: Mode,
    started: float,
    now: float,
) -> list[SearchResult]:
    """The search itself, at `now` (the instant the result cache keys its windows from)."""
    dense = _query_vectors(texts, vectors, deps) if mode != "sparse" else [None] * len(texts)
    valid_now = Filter(must=(Range("valid_from", lte=now), Range("valid_to", gt=now)))
    local = mode == "hybrid" and deps.fusion == "rerank"
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
        if local:
            # Two plain lists per query, fused below (retrieval/fusion.py) rather than in the store.
            depth = max(deps.prefetch_k, k)
            requests.append(SearchRequest(tenant, vec, None, depth, valid_now) if vec is not None else _NONE)
            requests.append(SearchRequest(tenant, None, sparse, depth, valid_now) if sparse is not None else _NONE)
        else:
            requests.append(
                SearchRequest(
                    tenant, vec, sparse, k, valid_now, prefetch_k=max(deps.prefetch_k, k), rrf_k=deps.rrf_k,
                    weights=(deps.dense_weight, deps.sparse_weight), fusion="rrf" if deps.fusion == "rrf" else "dbsf",
                )
            )
        live.append(i)
    asked = [r for r in requests if r is not _NONE]
    answers = iter(deps.store.search_batch(deps.collections.chunks, asked) if asked else [])
    found: list[list[ScoredPoint]] = [[] if r is _NONE else next(answers) for r in requests]
    if local:
        pairs = [(found[2 * n], found[2 * n + 1]) for n in range(len(live))]
        tenants_vectors = [(queries[i][0], dense[i]) for i in live]
        chosen, units = _fuse_and_rerank(pairs, tenants_vectors, valid_now, k, deps)
    else:
        chosen, units = found, [[] for _ in found]
    latency = (time.perf_counter() - started) * 1e3
    results = [SearchResult([], kb_versions[t], latency) for t, _ in queries]
    for i, points, scored in zip(live, chosen, units, strict=True):
        hits = [_hit(p, scored) for p in points]
        results[i] = SearchResult(hits, kb_versions[queries[i][0]], latency, sentence_floor(scored))
    return results


_NONE = SearchRequest("-")  # a list that is not asked for (no sparse terms, or no vector)


def _fuse_and_rerank(
    pairs: Sequence[tuple[list[ScoredPoint], list[ScoredPoint]]],
    tenants_vectors: Sequence[tuple[str, np.ndarray | None]],
    valid_now: Filter,
    k: int,
    deps: RetrievalDeps,
) -> tuple[list[list[ScoredPoint]], list[list[ScoredPoint]]]:
    """Stage one per query, then one batch of unit searches (the e5 query against the sentences and titles
    of each query's top documents, scored by the store) for stage two. If the unit search fails, the
    first-stage order stands (counted as a fallback). Returns each query's chunks and the units scored."""
    cfg = deps.fusion_config
    ranked = [first_stage(d, s, cfg) for d, s in pairs]
    unit_requests: list[SearchRequest] = []
    asked: list[int] = []
    scored: list[list[ScoredPoint]] = [[] for _ in ranked]
    for n, ((tenant, vec), docs) in enumerate(zip(tenants_vectors, ranked, strict=True)):
        head = tuple(c.doc_id for c in docs[: cfg.rerank_depth])
        if vec is None or len(head) < 2 or cfg.rerank_depth < 2:
            continue
        flt = Filter(must=(*valid_now.must, MatchAny("doc_id", head)))
        unit_requests.append(SearchRequest(tenant, vec, None, deps.units_per_doc * len(head), flt))
        asked.append(n)
    if unit_requests:
        try:
            unit_hits = deps.store.search_batch(deps.collections.units, unit_requests)
        except VectorStoreError as exc:
            log.warning("retrieval re-ranking skipped: unit search failed (%s)", type(exc).__name__)
            metrics.FALLBACKS.labels("retrieval", RERANK_UNAVAILABLE).inc(len(unit_requests))
            unit_hits = [[] for _ in unit_requests]
        for n, units in zip(asked, unit_hits, strict=True):
            ranked[n] = second_stage(ranked[n], units, cfg)
            scored[n] = list(units)
    return [_top_chunks(docs, k) for docs in ranked], scored


def _top_chunks(docs: Sequence[DocCandidate], k: int) -> list[ScoredPoint]:
    """The best chunk of each document in rank order (so k hits name k documents), then, when there are
    fewer documents than k, their other chunks. Each hit carries its document's fused score."""
    firsts = [(c, c.chunks[0]) for c in docs if c.chunks]
    rest = [(c, p) for c in docs for p in c.chunks[1:]]
    out = []
    for c, p in [*firsts, *rest][:k]:
        out.append(ScoredPoint(p.id, squash(c.score), p.payload))
    return out


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


def _hit(p: ScoredPoint, units: Sequence[ScoredPoint] = ()) -> RetrievalHit:
    pl = p.payload
    text = str(pl.get("text", ""))
    doc_id = str(pl.get("doc_id", ""))
    return RetrievalHit(
        doc_id=doc_id,
        chunk_id=str(pl.get("chunk_id", p.id)),
        title=str(pl.get("title", "")),
        text=text,
        score=p.score,
        version=int(pl.get("version", 0)),
        lang=pl.get("lang"),
        sentences=[SentenceScore(text=t, score=sc) for t, sc in hit_sentences(units, doc_id, text)] if units else [],
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
            sentence_floor=result.sentence_floor,
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
