"""The knowledge index as stored: the chunk collection (dense + sparse vectors with their payload) and the
state collection (per-document version records and the per-tenant knowledge version). Knowledge writes it;
retrieval reads it, in this process (embedded mode) or through a Qdrant server."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from relaydesk.vectorstore.base import IndexType, Record, VectorStore

CHUNKS = "knowledge"
STATE = "knowledge-state"
UNITS = "knowledge-units"  # title, heading and sentence vectors for retrieval's second stage
KB_RECORD = "kb"

# Validity bounds as epoch seconds; a document without a window is valid from 0 until 9999-12-31.
ALWAYS_FROM = 0.0
ALWAYS_TO = 253_402_300_799.0

CHUNK_INDEXES: dict[str, IndexType] = {
    "doc_id": "keyword",
    "version": "integer",
    "lang": "keyword",
    "valid_from": "float",
    "valid_to": "float",
    "content_hash": "keyword",
    "dense_ready": "integer",
}


UNIT_INDEXES: dict[str, IndexType] = {
    "doc_id": "keyword",
    "chunk_id": "keyword",
    "kind": "keyword",
    "version": "integer",
    "valid_from": "float",
    "valid_to": "float",
    "content_hash": "keyword",
    "dense_ready": "integer",
}


@dataclass(frozen=True)
class Collections:
    chunks: str = CHUNKS
    state: str = STATE
    units: str = UNITS


def ensure_index(store: VectorStore, dim: int, collections: Collections | None = None) -> Collections:
    collections = collections or Collections()
    store.ensure_collection(collections.chunks, dim, sparse=True, indexes=CHUNK_INDEXES)
    store.ensure_collection(collections.state, 0)
    store.ensure_collection(collections.units, dim, indexes=UNIT_INDEXES)
    return collections


def chunk_id(doc_id: str, chunk_no: int) -> str:
    return f"{doc_id}#{chunk_no}"


def unit_id(doc_id: str, unit_no: int) -> str:
    return f"{doc_id}@{unit_no}"


def doc_record_id(doc_id: str) -> str:
    return f"doc:{doc_id}"


@dataclass(frozen=True)
class DocState:
    """The newest version of a document this tenant's index has seen (a delete leaves a tombstone, so an
    older upsert arriving late is still recognised as stale)."""

    doc_id: str
    version: int
    op: str
    event_id: str
    chunks: int

    @classmethod
    def from_record(cls, record: Record) -> DocState:
        p = record.payload
        return cls(str(p["doc_id"]), int(p["version"]), str(p["op"]), str(p["event_id"]), int(p.get("chunks", 0)))

    def payload(self, applied_at: datetime, kb_version: int) -> dict[str, Any]:
        return {
            "kind": "doc",
            "doc_id": self.doc_id,
            "version": self.version,
            "op": self.op,
            "event_id": self.event_id,
            "chunks": self.chunks,
            "applied_at": applied_at.isoformat(),
            "kb_version": kb_version,
        }


def read_kb_version(store: VectorStore, tenant_id: str, collections: Collections | None = None) -> int:
    collections = collections or Collections()
    records = store.get(collections.state, tenant_id, [KB_RECORD])
    return int(records[0].payload.get("kb_version", 0)) if records else 0


def epoch(value: datetime | None, default: float) -> float:
    return value.timestamp() if value is not None else default
