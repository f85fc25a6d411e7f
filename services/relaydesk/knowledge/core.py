"""knowledge.update -> chunks -> vector store -> knowledge.applied. Pure apart from the injected store,
embedder, dense indexer and clock.

Rules: per (tenant, document) versions only go forward. An update older than the newest seen is `stale`, the
same version again (a redelivery, or a replay) is a `duplicate`; neither touches the index. An applied change
bumps the tenant's knowledge version (`kb_version`), kept in the store next to the documents' version records
so it survives restarts and retrieval can read it. A document's chunks keep stable ids (`doc#n`), so a new
version overwrites in place and searches never see a document vanish mid-update; chunks the new version no
longer has (older `version`) are deleted after the upsert.

Dense vectors are computed inline (one embedder batch per call) unless `deps.dense_indexer` is set: then the
chunks are written searchable at once and the embedding follows (see `relaydesk.knowledge.dense`). A chunk
whose text is unchanged keeps its stored vector either way.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import numpy as np

from relaydesk.embedding.base import Embedder
from relaydesk.events import Envelope, KnowledgeApplied, KnowledgeUpdate, utcnow
from relaydesk.knowledge.chunking import Chunk, ChunkingConfig, chunk_document, headings
from relaydesk.knowledge.dense import DenseIndexer, DenseJob
from relaydesk.knowledge.index import (
    ALWAYS_FROM,
    ALWAYS_TO,
    KB_RECORD,
    Collections,
    DocState,
    chunk_id,
    doc_record_id,
    epoch,
    unit_id,
)
from relaydesk.knowledge.langs import guess_lang
from relaydesk.knowledge.terms import Bm25Encoder
from relaydesk.knowledge.units import Unit, document_units
from relaydesk.vectorstore.base import Filter, Match, Point, Range, VectorStore

log = logging.getLogger(__name__)

Status = Literal["applied", "stale", "duplicate"]


@dataclass
class KnowledgeDeps:
    store: VectorStore
    embedder: Embedder
    collections: Collections = field(default_factory=Collections)
    chunking: ChunkingConfig = field(default_factory=ChunkingConfig)
    encoder: Bm25Encoder = field(default_factory=Bm25Encoder)
    dense_indexer: DenseIndexer | None = None  # None: embed inline
    units: bool = True  # write title, heading and sentence units for retrieval's second stage
    clock: Callable[[], datetime] = utcnow


@dataclass
class _Pieces:
    """What one applied upsert writes to one collection: chunks, or the units retrieval re-ranks with."""

    collection: str
    ids: list[str]
    texts: list[str]  # what is embedded and (for chunks) indexed lexically
    hashes: list[str]
    vectors: list[np.ndarray | None] = field(default_factory=list)
    final: list[bool] = field(default_factory=list)  # vector computed from this very text


@dataclass
class _Step:
    update: KnowledgeUpdate
    status: Status
    lang: str | None = None
    chunks: list[Chunk] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)
    pieces: list[_Pieces] = field(default_factory=list)  # [chunks, units] for an upsert

    @property
    def hashes(self) -> list[str]:
        return self.pieces[0].hashes if self.pieces else []


def handle(update: KnowledgeUpdate, deps: KnowledgeDeps) -> list[Envelope]:
    return handle_batch([update], deps)[0]


def handle_batch(updates: Sequence[KnowledgeUpdate], deps: KnowledgeDeps) -> list[list[Envelope]]:
    """One output list per update, in order. Inline embeddings for the whole batch take one embedder call;
    writes then happen update by update, in order."""
    if not updates:
        return []
    started = time.perf_counter()
    steps = _plan(updates, deps)
    embedded = _vectors(steps, deps)
    kb_versions = {t: _kb_version(deps, t) for t in {u.tenant_id for u in updates}}
    outputs: list[list[Envelope]] = []
    jobs: list[DenseJob] = []
    for step in steps:
        u = step.update
        written = 0
        if step.status == "applied":
            points = _write(step, deps)
            written = len(step.chunks)
            kb_versions[u.tenant_id] += 1
            _write_state(step, written, kb_versions[u.tenant_id], deps)
            jobs.extend(_jobs(step, points, deps))
        outputs.append([_applied_event(step, written, kb_versions[u.tenant_id], deps.clock())])
    if jobs and deps.dense_indexer is not None:
        deps.dense_indexer.submit(jobs)
    log.info(
        "knowledge batch: updates=%d applied=%d embedded=%d deferred=%d ms=%.1f",
        len(updates), sum(s.status == "applied" for s in steps), embedded, len(jobs),
        (time.perf_counter() - started) * 1e3,
    )
    return outputs


def _plan(updates: Sequence[KnowledgeUpdate], deps: KnowledgeDeps) -> list[_Step]:
    seen: dict[tuple[str, str], DocState | None] = {}
    by_tenant: dict[str, set[str]] = {}
    for u in updates:
        by_tenant.setdefault(u.tenant_id, set()).add(u.doc_id)
    for tenant, doc_ids in by_tenant.items():
        ids = sorted(doc_ids)
        records = deps.store.get(deps.collections.state, tenant, [doc_record_id(d) for d in ids])
        states = {s.doc_id: s for s in (DocState.from_record(r) for r in records)}
        for d in ids:
            seen[(tenant, d)] = states.get(d)
    steps: list[_Step] = []
    for u in updates:
        current = seen[(u.tenant_id, u.doc_id)]
        if current is not None and u.version < current.version:
            steps.append(_Step(u, "stale"))
            continue
        if current is not None and u.version == current.version:
            steps.append(_Step(u, "duplicate"))
            continue
        step = _Step(u, "applied")
        if u.op == "upsert":
            step.lang = u.lang or guess_lang(u.body)
            step.chunks = chunk_document(u.title, u.body, step.lang, deps.chunking)
            texts = [c.embed_text(u.title) for c in step.chunks]
            step.pieces.append(_Pieces(deps.collections.chunks, [chunk_id(u.doc_id, c.no) for c in step.chunks],
                                       texts, [_hash(t) for t in texts]))
            if deps.units:
                step.units = document_units(u.title, step.chunks, headings(u.title, u.body))
                unit_texts = [x.embed for x in step.units]
                step.pieces.append(_Pieces(deps.collections.units, [unit_id(u.doc_id, x.no) for x in step.units],
                                           unit_texts, [_hash(t) for t in unit_texts]))
        seen[(u.tenant_id, u.doc_id)] = DocState(u.doc_id, u.version, u.op, u.event_id, len(step.chunks))
        steps.append(step)
    return steps


def _vectors(steps: list[_Step], deps: KnowledgeDeps) -> int:
    """Give each applied upsert's chunks and units a vector: the stored one when the text is unchanged (an
    edit usually touches one paragraph); otherwise, inline, a fresh embedding (one batch for all), or,
    deferred, the piece's previous vector as a stand-in until its job completes. Returns how many texts were
    embedded."""
    model = deps.embedder.model_id
    missing: dict[str, list[tuple[_Pieces, int]]] = {}
    for step in steps:
        if step.status != "applied":
            continue
        for pieces in step.pieces:
            if not pieces.ids:
                continue
            stored = {
                r.id: r
                for r in deps.store.get(pieces.collection, step.update.tenant_id, pieces.ids, with_vectors=True)
            }
            pieces.vectors = [None] * len(pieces.ids)
            pieces.final = [False] * len(pieces.ids)
            for n, pid in enumerate(pieces.ids):
                old = stored.get(pid)
                usable = old is not None and old.dense is not None and old.payload.get("embed_model") == model
                if usable and old is not None and old.payload.get("dense_hash") == pieces.hashes[n]:
                    pieces.vectors[n], pieces.final[n] = old.dense, True
                elif deps.dense_indexer is not None:
                    pieces.vectors[n] = old.dense if usable and old is not None else None
                else:
                    missing.setdefault(pieces.texts[n], []).append((pieces, n))
    if missing:
        texts = list(missing)
        for text, vec in zip(texts, deps.embedder.embed_passages(texts), strict=True):
            for pieces, n in missing[text]:
                pieces.vectors[n], pieces.final[n] = vec, True
    return len(missing)


def _write(step: _Step, deps: KnowledgeDeps) -> list[Point]:
    u = step.update
    store, chunks_coll = deps.store, deps.collections.chunks
    if u.op == "delete":
        store.delete(chunks_coll, u.tenant_id, Filter(must=(Match("doc_id", u.doc_id),)))
        if deps.units:
            store.delete(deps.collections.units, u.tenant_id, Filter(must=(Match("doc_id", u.doc_id),)))
        return []
    valid_from, valid_to = epoch(u.valid_from, ALWAYS_FROM), epoch(u.valid_to, ALWAYS_TO)
    common = {"doc_id": u.doc_id, "version": u.version, "lang": step.lang, "title": u.title,
              "valid_from": valid_from, "valid_to": valid_to, "embed_model": deps.embedder.model_id,
              "update_event_id": u.event_id}
    chunk_pieces = step.pieces[0]
    points = []
    for n, chunk in enumerate(step.chunks):
        payload = {
            **common,
            "chunk_id": chunk_pieces.ids[n],
            "chunk_no": chunk.no,
            "heading": chunk.heading,
            "text": chunk.text,
            "tags": list(u.tags),
            **_dense_state(chunk_pieces, n),
        }
        sparse = deps.encoder.document(chunk_pieces.texts[n], step.lang)
        points.append(Point(chunk_pieces.ids[n], u.tenant_id, payload, chunk_pieces.vectors[n], sparse))
    store.upsert(chunks_coll, points)
    # Chunks of superseded versions: the tail beyond the new chunk count (same ids were overwritten above).
    superseded = Filter(must=(Match("doc_id", u.doc_id), Range("version", lt=float(u.version))))
    store.delete(chunks_coll, u.tenant_id, superseded)
    if len(step.pieces) > 1:
        unit_pieces = step.pieces[1]
        unit_points = [
            Point(unit_pieces.ids[n], u.tenant_id, {
                **common,
                "chunk_id": chunk_id(u.doc_id, unit.chunk_no),
                "kind": unit.kind,
                "text": unit.text,
                **_dense_state(unit_pieces, n),
            }, unit_pieces.vectors[n])
            for n, unit in enumerate(step.units)
        ]
        store.upsert(unit_pieces.collection, unit_points)
        store.delete(unit_pieces.collection, u.tenant_id, superseded)
        points.extend(unit_points)
    return points


def _dense_state(pieces: _Pieces, n: int) -> dict[str, object]:
    final = pieces.final[n]
    return {
        "content_hash": pieces.hashes[n],
        # The text the dense vector was computed from ("" while a stand-in or none is stored).
        "dense_hash": pieces.hashes[n] if final else "",
        "dense_ready": 1 if final else 0,
    }


def _jobs(step: _Step, points: list[Point], deps: KnowledgeDeps) -> list[DenseJob]:
    if deps.dense_indexer is None:
        return []
    jobs = []
    offset = 0
    for pieces in step.pieces:
        for n in range(len(pieces.ids)):
            if not pieces.final[n]:
                jobs.append(DenseJob(pieces.collection, points[offset + n], pieces.texts[n], pieces.hashes[n]))
        offset += len(pieces.ids)
    return jobs


def _write_state(step: _Step, chunks: int, kb_version: int, deps: KnowledgeDeps) -> None:
    u = step.update
    now = deps.clock()
    doc = DocState(u.doc_id, u.version, u.op, u.event_id, chunks)
    kb = {"kind": "kb", "kb_version": kb_version, "updated_at": now.isoformat(), "embed_model": deps.embedder.model_id}
    deps.store.upsert(
        deps.collections.state,
        [Point(doc_record_id(u.doc_id), u.tenant_id, doc.payload(now, kb_version)), Point(KB_RECORD, u.tenant_id, kb)],
    )


def _kb_version(deps: KnowledgeDeps, tenant_id: str) -> int:
    records = deps.store.get(deps.collections.state, tenant_id, [KB_RECORD])
    return int(records[0].payload.get("kb_version", 0)) if records else 0


def _applied_event(step: _Step, chunks: int, kb_version: int, applied_at: datetime) -> KnowledgeApplied:
    u = step.update
    freshness = max((applied_at - u.occurred_at).total_seconds() * 1e3, 0.0)
    return KnowledgeApplied.model_validate(
        {
            **u.caused("knowledge"),
            "update_event_id": u.event_id,
            "doc_id": u.doc_id,
            "version": u.version,
            "op": u.op,
            "status": step.status,
            "chunks": chunks,
            "kb_version": kb_version,
            "produced_at": u.occurred_at,
            "applied_at": applied_at,
            "freshness_ms": freshness,
        }
    )


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
