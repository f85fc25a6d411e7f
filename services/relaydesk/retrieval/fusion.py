"""Hybrid fusion and second-stage re-ranking over documents, pure (no store, no model).

Stage one fuses the dense (e5) and sparse (BM25) chunk lists per document: each document takes its best
chunk's score in each list, and each list's scores become z-scores over the candidate documents, so the two
scales add up. Dense z-scores are taken *within each document language*: e5 scores a Chinese question
against a Chinese article higher than against the English article that answers it, so raw cosine buries the
English answer; relative to the other English articles that answer still stands out. The document the dense
half ranks first is never pushed below `keep_dense_top`: a strong dense hit is never lost in fusion.

Stage two re-ranks the best `rerank_depth` documents with the e5 query–passage scores of their units: the
best-matching sentence of each document (max-sim, sentences embedded as "title: sentence") and its best
title or heading, again as per-language z-scores over the re-ranked documents. Weights were chosen on
evals/retrieval/dev_queries.jsonl only (docs/knowledge.md).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from relaydesk.vectorstore.base import ScoredPoint


@dataclass(frozen=True)
class FusionConfig:
    sparse_weight: float = 0.5
    sentence_weight: float = 0.5
    title_weight: float = 0.15
    rerank_depth: int = 12
    keep_dense_top: int = 3
    # Smallest language group scored within itself, among the candidates (stage one) and among the
    # re-ranked documents (stage two); smaller groups are scored against all.
    min_group: int = 3
    rerank_min_group: int = 2


@dataclass(frozen=True)
class DocCandidate:
    doc_id: str
    lang: str
    score: float  # the fused score the documents are ranked by
    chunks: tuple[ScoredPoint, ...]  # this document's candidate chunks, best first
    dense: float | None = None  # best chunk cosine, None when the dense list did not have it
    sparse: float = 0.0  # best chunk BM25, 0 when the sparse list did not have it
    features: Mapping[str, float] = field(default_factory=dict)


def lang_family(lang: Any) -> str:
    return str(lang or "").split("-")[0].lower() or "und"


def zscores(
    values: Mapping[str, float], groups: Mapping[str, str] | None = None, min_group: int = 2
) -> dict[str, float]:
    """Each value as (value - mean) / std within its group (all one group when `groups` is None). A group
    smaller than `min_group`, or one without spread, says too little about its members: they are scored
    against all values instead (a tenant with one Chinese article still ranks it first for a Chinese
    question it answers best); no spread at all gives 0."""
    every = list(values.values())
    overall = _mean_std(every)
    members: dict[str, list[str]] = {}
    for key in values:
        members.setdefault(groups[key] if groups is not None else "", []).append(key)
    out: dict[str, float] = {}
    for keys in members.values():
        mean, std = _mean_std([values[k] for k in keys])
        if len(keys) < max(min_group, 2) or std <= 1e-9:
            mean, std = overall
        for k in keys:
            out[k] = (values[k] - mean) / std if std > 1e-9 else 0.0
    return out


def _mean_std(vals: Sequence[float]) -> tuple[float, float]:
    mean = sum(vals) / len(vals)
    return mean, math.sqrt(sum((v - mean) ** 2 for v in vals) / len(vals))


def _best_by_doc(points: Iterable[ScoredPoint]) -> dict[str, ScoredPoint]:
    best: dict[str, ScoredPoint] = {}
    for p in points:
        doc = str(p.payload.get("doc_id", ""))
        if doc not in best or p.score > best[doc].score:
            best[doc] = p
    return best


def first_stage(
    dense: Sequence[ScoredPoint], sparse: Sequence[ScoredPoint], config: FusionConfig | None = None
) -> list[DocCandidate]:
    """Documents ranked by z(dense within language) + sparse_weight * z(sparse)."""
    cfg = config or FusionConfig()
    dense_best, sparse_best = _best_by_doc(dense), _best_by_doc(sparse)
    docs = list(dict.fromkeys([*dense_best, *sparse_best]))
    if not docs:
        return []
    chunks: dict[str, dict[str, ScoredPoint]] = {d: {} for d in docs}
    for p in [*dense, *sparse]:
        chunks[str(p.payload.get("doc_id", ""))].setdefault(p.id, p)
    langs = {d: lang_family((dense_best.get(d) or sparse_best[d]).payload.get("lang")) for d in docs}
    # A document outside a list scores as that list's weakest candidate (dense) or zero (BM25: no term).
    floor = min((p.score for p in dense_best.values()), default=0.0)
    dense_raw = {d: dense_best[d].score if d in dense_best else floor for d in docs}
    sparse_raw = {d: sparse_best[d].score if d in sparse_best else 0.0 for d in docs}
    zd = zscores(dense_raw, langs, cfg.min_group) if dense_best else dict.fromkeys(docs, 0.0)
    zs = zscores(sparse_raw) if sparse_best else dict.fromkeys(docs, 0.0)
    out = []
    dense_ids = {p.id for p in dense}
    for d in docs:
        own = sorted(chunks[d].values(), key=lambda p: (p.id not in dense_ids, -p.score))
        score = zd[d] + cfg.sparse_weight * zs[d]
        out.append(DocCandidate(d, langs[d], score, tuple(own), dense_best[d].score if d in dense_best else None,
                                sparse_raw[d], {"dense_z": zd[d], "sparse_z": zs[d]}))
    ranked = sorted(out, key=lambda c: (-c.score, c.doc_id))
    return keep_dense_hit(ranked, _top_doc(dense), cfg.keep_dense_top)


def _top_doc(points: Sequence[ScoredPoint]) -> str | None:
    best = max(points, key=lambda p: p.score, default=None)
    return None if best is None else str(best.payload.get("doc_id", ""))


def keep_dense_hit(ranked: list[DocCandidate], doc_id: str | None, within: int) -> list[DocCandidate]:
    """Move `doc_id` up to position `within` (1-based) if fusion ranked it lower."""
    if doc_id is None or within < 1:
        return ranked
    pos = next((i for i, c in enumerate(ranked) if c.doc_id == doc_id), None)
    if pos is None or pos < within:
        return ranked
    moved = ranked.pop(pos)
    ranked.insert(within - 1, moved)
    return ranked


@dataclass
class UnitFeatures:
    sentence: float | None = None  # the best sentence's score (max-sim)
    title: float | None = None  # the best title or heading score
    best_chunk: str | None = None  # the chunk holding the best sentence


def unit_scores(units: Iterable[ScoredPoint]) -> dict[str, UnitFeatures]:
    out: dict[str, UnitFeatures] = {}
    for u in units:
        f = out.setdefault(str(u.payload.get("doc_id", "")), UnitFeatures())
        if u.payload.get("kind") == "sentence":
            if f.sentence is None or u.score > f.sentence:
                f.sentence, f.best_chunk = u.score, str(u.payload.get("chunk_id", "")) or None
        elif f.title is None or u.score > f.title:
            f.title = u.score
    return out


def second_stage(
    ranked: Sequence[DocCandidate], units: Iterable[ScoredPoint], config: FusionConfig | None = None
) -> list[DocCandidate]:
    """Re-rank the first `rerank_depth` documents with their units' scores (max-sim); the rest keep their
    first-stage order below them. A document without units (not yet embedded) takes the weakest re-ranked
    document's unit scores, so it neither wins nor is buried for lack of them."""
    cfg = config or FusionConfig()
    head, tail = list(ranked[: cfg.rerank_depth]), list(ranked[cfg.rerank_depth :])
    feats = unit_scores(units)
    if not head or not any(c.doc_id in feats for c in head):
        return [*head, *tail]
    langs = {c.doc_id: c.lang for c in head}
    parts: dict[str, dict[str, float]] = {c.doc_id: {} for c in head}
    for key in ("sentence", "title"):
        values = {c.doc_id: getattr(feats[c.doc_id], key) for c in head if c.doc_id in feats}
        present = {d: v for d, v in values.items() if v is not None}
        if not present:
            continue
        floor = min(present.values())
        fill = {c.doc_id: present.get(c.doc_id, floor) for c in head}
        for doc, value in zscores(fill, langs, cfg.rerank_min_group).items():
            parts[doc][key] = value
    scored: list[DocCandidate] = []
    for c in head:
        p = parts[c.doc_id]
        bonus = cfg.sentence_weight * p.get("sentence", 0.0) + cfg.title_weight * p.get("title", 0.0)
        best_chunk = feats[c.doc_id].best_chunk if c.doc_id in feats else None
        chunks = sorted(c.chunks, key=lambda q: q.id != best_chunk) if best_chunk else list(c.chunks)
        scored.append(replace(c, score=c.score + bonus, chunks=tuple(chunks),
                              features={**c.features, **{f"{k}_z": v for k, v in p.items()}}))
    reranked = sorted(scored, key=lambda c: (-c.score, c.doc_id))
    return [*keep_dense_hit(reranked, _dense_leader(ranked), cfg.keep_dense_top), *tail]


def _dense_leader(ranked: Sequence[DocCandidate]) -> str | None:
    with_dense = [c for c in ranked if c.dense is not None]
    return max(with_dense, key=lambda c: c.dense or 0.0).doc_id if with_dense else None


def _scored_sentences(units: Iterable[ScoredPoint]) -> list[ScoredPoint]:
    """Sentence units whose vector is their own (a unit still waiting for its dense vector scores nothing)."""
    return [u for u in units if u.payload.get("kind") == "sentence" and u.payload.get("dense_ready", 1)]


def hit_sentences(units: Iterable[ScoredPoint], doc_id: str, text: str, limit: int = 64) -> list[tuple[str, float]]:
    """The scored sentences of document `doc_id` that occur in a hit's `text`, best first: what the second
    stage already knows of each sentence's similarity to the query, so generation need not embed them."""
    out: dict[str, float] = {}
    for u in _scored_sentences(units):
        sentence = str(u.payload.get("text", ""))
        if sentence and str(u.payload.get("doc_id", "")) == doc_id and sentence in text:
            out[sentence] = max(u.score, out.get(sentence, u.score))
    return sorted(out.items(), key=lambda kv: -kv[1])[:limit]


def sentence_floor(units: Iterable[ScoredPoint]) -> float | None:
    """The weakest scored sentence returned: the unit search returns the best ones, so any sentence it left
    out scores at most this."""
    return min((u.score for u in _scored_sentences(units)), default=None)


def squash(score: float) -> float:
    """A fused score (a sum of z-scores) as a hit score in (0, 1), same order."""
    return 1.0 / (1.0 + math.exp(-score))
