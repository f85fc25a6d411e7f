"""Offline retrieval evaluation: index a knowledge base through the real knowledge core into a throwaway
store, run every query through the real retrieval core, and score document rankings against a BM25
baseline (rank-bm25, whole documents, the same multilingual tokenizer) computed in the same run."""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from rank_bm25 import BM25Okapi

from relaydesk.embedding.base import Embedder
from relaydesk.events import KnowledgeUpdate
from relaydesk.events.annotations import RetrievalHit
from relaydesk.knowledge import core as knowledge
from relaydesk.knowledge.config import KnowledgeSettings
from relaydesk.knowledge.documents import Document, DocumentError, parse_jsonl
from relaydesk.knowledge.index import ensure_index
from relaydesk.knowledge.terms import tokenize
from relaydesk.retrieval.bootstrap import deps_for
from relaydesk.retrieval.config import Mode, RetrievalSettings
from relaydesk.retrieval.core import search_many
from relaydesk.vectorstore.base import VectorStore

EVAL_TENANT = "eval"
MODES: tuple[Mode, ...] = ("hybrid", "dense", "sparse")


@dataclass(frozen=True)
class EvalQuery:
    query: str
    doc_id: str
    lang: str = "unknown"
    kind: str = "unknown"


def load_queries(path: Path) -> list[EvalQuery]:
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            out.append(EvalQuery(str(obj["query"]), str(obj["doc_id"]), str(obj.get("lang", "unknown")),
                                 str(obj.get("kind", "unknown"))))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            reason = type(exc).__name__
            raise DocumentError(f"{path}:{n}: a query line needs \"query\" and \"doc_id\" ({reason})") from None
    return out


def load_kb(path: Path) -> list[Document]:
    return parse_jsonl(path)


def doc_ranking(hits: Iterable[RetrievalHit]) -> list[str]:
    """Chunk hits to a document ranking: each document at the rank of its best chunk."""
    seen: dict[str, None] = {}
    for h in hits:
        seen.setdefault(h.doc_id, None)
    return list(seen)


def score(rankings: Sequence[Sequence[str]], golds: Sequence[str], depth: int = 10) -> dict[str, float]:
    r1 = r5 = rr = 0.0
    for ranking, gold in zip(rankings, golds, strict=True):
        top = list(ranking[:depth])
        if gold in top:
            rank = top.index(gold) + 1
            r1 += rank == 1
            r5 += rank <= 5
            rr += 1.0 / rank
    n = max(len(golds), 1)
    return {"recall@1": round(r1 / n, 4), "recall@5": round(r5 / n, 4), "mrr": round(rr / n, 4)}


class Bm25Baseline:
    def __init__(self, docs: Sequence[Document]) -> None:
        self.doc_ids = [d.doc_id for d in docs]
        self._bm25 = BM25Okapi([tokenize(f"{d.title}\n{d.body}") or ["\u2205"] for d in docs])

    def rank(self, query: str, depth: int = 10) -> list[str]:
        terms = tokenize(query)
        if not terms:
            return []
        scores = self._bm25.get_scores(terms)
        order = np.argsort(-scores, kind="stable")[:depth]
        return [self.doc_ids[i] for i in order if scores[i] > 0]


def index_documents(
    docs: Sequence[Document], deps: knowledge.KnowledgeDeps, tenant: str = EVAL_TENANT, batch: int = 16,
    progress: Callable[[str], None] | None = None,
) -> float:
    """Push `docs` through the knowledge core; returns the wall time in ms."""
    started = time.perf_counter()
    updates = [
        KnowledgeUpdate(tenant_id=tenant, op="upsert", doc_id=d.doc_id, version=d.version or 1, title=d.title,
                        body=d.body, lang=d.lang, tags=list(d.tags))
        for d in docs
    ]
    for i in range(0, len(updates), batch):
        knowledge.handle_batch(updates[i : i + batch], deps)
        if progress:
            progress(f"indexed {min(i + batch, len(updates))}/{len(updates)} documents")
    return (time.perf_counter() - started) * 1e3


def evaluate(
    docs: Sequence[Document],
    queries: Sequence[EvalQuery],
    embedder: Embedder,
    store: VectorStore | None = None,
    depth: int = 10,
    modes: Sequence[Mode] = MODES,
    progress: Callable[[str], None] | None = None,
    settings: RetrievalSettings | None = None,
) -> dict[str, Any]:
    """The report: the system (hybrid) at top level, `bm25`, the other modes, and breakdowns by language
    and by query kind."""
    tmp = None
    if store is None:
        from relaydesk.vectorstore.edge import EdgeVectorStore

        tmp = tempfile.TemporaryDirectory(prefix="relaydesk-eval-")
        store = EdgeVectorStore(tmp.name)
    try:
        collections = ensure_index(store, embedder.dim)
        indexing = KnowledgeSettings()  # chunk and weigh terms as the configured service does
        kdeps = knowledge.KnowledgeDeps(
            store=store, embedder=embedder, collections=collections, chunking=indexing.chunking(),
            encoder=indexing.encoder(),
        )
        ingest_ms = index_documents(docs, kdeps, progress=progress)
        golds = [q.doc_id for q in queries]
        started = time.perf_counter()
        vectors = list(embedder.embed_queries([q.query for q in queries]))
        embed_ms = (time.perf_counter() - started) * 1e3
        rankings: dict[str, list[list[str]]] = {}
        search_ms: dict[str, float] = {}
        for mode in modes:
            # The configured system (fusion, depths, language preference), in each mode.
            rdeps = replace(deps_for(settings or RetrievalSettings(), store, embedder, collections), mode=mode)
            started = time.perf_counter()
            results = search_many([(EVAL_TENANT, q.query) for q in queries], 2 * depth, rdeps, vectors)
            search_ms[mode] = (time.perf_counter() - started) * 1e3 / max(len(queries), 1)
            rankings[mode] = [doc_ranking(r.hits) for r in results]
            if progress:
                progress(f"searched {len(queries)} queries ({mode})")
        bm25 = Bm25Baseline(docs)
        rankings["bm25"] = [bm25.rank(q.query, depth) for q in queries]
    finally:
        if tmp is not None:
            store.close()
            tmp.cleanup()
    return _report(queries, golds, rankings, modes, depth, ingest_ms, embed_ms, search_ms, len(docs), settings)


def _report(
    queries: Sequence[EvalQuery], golds: list[str], rankings: dict[str, list[list[str]]], modes: Sequence[Mode],
    depth: int, ingest_ms: float, embed_ms: float, search_ms: dict[str, float], n_docs: int,
    settings: RetrievalSettings | None = None,
) -> dict[str, Any]:
    main = modes[0]

    def block(idx: list[int]) -> dict[str, Any]:
        g = [golds[i] for i in idx]
        out: dict[str, Any] = {"n": len(idx), **score([rankings[main][i] for i in idx], g, depth)}
        out["bm25"] = score([rankings["bm25"][i] for i in idx], g, depth)
        for mode in modes[1:]:
            out[mode] = score([rankings[mode][i] for i in idx], g, depth)
        if "dense" in modes[1:]:
            out["recall@5_minus_dense"] = round(out["recall@5"] - out["dense"]["recall@5"], 4)
        return out

    report: dict[str, Any] = {
        "system": _system_name(main, settings),
        "queries": len(queries),
        "documents": n_docs,
        **score(rankings[main], golds, depth),
        "bm25": score(rankings["bm25"], golds, depth),
    }
    report["recall@5_minus_bm25"] = round(report["recall@5"] - report["bm25"]["recall@5"], 4)
    for mode in modes[1:]:
        report[mode] = score(rankings[mode], golds, depth)
    if "dense" in modes[1:]:
        report["recall@5_minus_dense"] = round(report["recall@5"] - report["dense"]["recall@5"], 4)
    for field in ("lang", "kind"):
        groups: dict[str, list[int]] = {}
        for i, q in enumerate(queries):
            groups.setdefault(getattr(q, field), []).append(i)
        report[f"by_{field}"] = {name: block(idx) for name, idx in sorted(groups.items())}
    report["timing"] = {
        "ingest_ms_per_doc": round(ingest_ms / max(n_docs, 1), 1),
        "query_embed_ms": round(embed_ms / max(len(queries), 1), 1),
        **{f"search_ms_{m}": round(v, 2) for m, v in search_ms.items()},
    }
    return report


def _system_name(mode: Mode, settings: RetrievalSettings | None) -> str:
    if mode != "hybrid":
        return mode
    fusion = (settings or RetrievalSettings()).fusion
    if fusion == "rerank":
        return "hybrid (dense e5 + BM25 fused per language, re-ranked by sentence and title max-sim)"
    return f"hybrid (dense e5 + BM25, {fusion} in the store)"


def stderr_progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
