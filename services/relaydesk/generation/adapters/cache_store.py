"""The semantic cache on the project's vector store (Qdrant Edge or a Qdrant server), in its own collection.

One point per cached reply, keyed by reply id, holding the question embedding and the `CacheEntry` as its
payload. Scope fields are indexed and matched exactly; `doc_ids` is indexed so a changed document's entries
are deleted with one filtered delete.
"""

from __future__ import annotations

import numpy as np

from relaydesk.generation.ports import CacheEntry, CacheScope
from relaydesk.vectorstore import Filter, Match, Point, VectorStore

_INDEXES = {
    "doc_ids": "keyword",
    "lang": "keyword",
    "embed_model": "keyword",
    "config_revision": "integer",
    "kb_version": "integer",
}


class VectorStoreCache:
    def __init__(self, store: VectorStore, collection: str = "generation-cache", dim: int = 384) -> None:
        self._store = store
        self._collection = collection
        self.dim = dim
        store.ensure_collection(collection, dim=dim, indexes=_INDEXES)  # type: ignore[arg-type]

    def lookup(self, scope: CacheScope, vector: np.ndarray, k: int) -> list[tuple[CacheEntry, float]]:
        if vector.shape[-1] != self.dim:
            return []
        hits = self._store.search(
            self._collection,
            scope.tenant_id,
            dense=vector,
            k=k,
            filter=Filter(must=(
                Match("lang", scope.lang),
                Match("config_revision", scope.config_revision),
                Match("embed_model", scope.embed_model),
            )),
        )
        return [(CacheEntry.model_validate(h.payload), float(h.score)) for h in hits]

    def put(self, entry: CacheEntry, vector: np.ndarray) -> None:
        if vector.shape[-1] != self.dim:
            raise ValueError(f"cache vectors are {self.dim}-d, got {vector.shape[-1]}")
        payload = {**entry.model_dump(mode="json"), "doc_ids": entry.doc_ids}
        self._store.upsert(self._collection, [Point(id=entry.reply_id, tenant_id=entry.tenant_id,
                                                    payload=payload, dense=vector)])

    def invalidate_doc(self, tenant_id: str, doc_id: str) -> None:
        self._store.delete(self._collection, tenant_id, Filter(must=(Match("doc_ids", doc_id),)))

    def count(self, tenant_id: str) -> int:
        return self._store.count(self._collection, tenant_id)
