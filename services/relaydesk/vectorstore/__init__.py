"""A tenant-scoped point store over Qdrant, with two backends behind one `VectorStore` protocol.

Backends: `EdgeVectorStore(data_dir)` (Qdrant Edge in-process, one shard directory per collection; the
default) and `QdrantServerVectorStore(client)` (a Qdrant server via qdrant-client; tests use
`QdrantClient(":memory:")`). `build_vector_store(VectorStoreSettings())` picks one from
`RELAYDESK_VECTORSTORE_*`. Open it once per process and share it: an Edge shard has a single owner.

Use it like this (the semantic cache, say, in its own collection):

    store.ensure_collection("generation-cache", dim=384, indexes={"kb_version": "integer", "doc_ids": "keyword"})
    store.upsert("generation-cache", [Point(id="q:abc", tenant_id="acme", dense=vec, payload={...})])
    hits = store.search("generation-cache", "acme", dense=qvec, k=1, score_threshold=0.92,
                        filter=Filter(must=(Match("kb_version", 7),)))
    store.delete("generation-cache", "acme", Filter(must=(Match("doc_ids", "card-lost"),)))

Rules the store enforces, so callers cannot get them wrong:
- Every read and delete takes a `tenant_id` and the backend adds the tenant condition itself; a point's
  payload gets `tenant_id` from `Point.tenant_id`. Filters may not mention `tenant_id`.
- Point ids are the caller's strings, unique per (collection, tenant); the backend id is a UUIDv5 of both.
- `dim=0` makes a payload-only collection (records without vectors: counters, state).
- Hybrid search: pass `dense` and `sparse` (collection created with `sparse=True`); the two ranked lists are
  fused by Qdrant's reciprocal rank fusion. Sparse weights get IDF applied by Qdrant at query time.
- Match on a list-valued payload field matches when the list contains the value. Booleans are refused
  (Qdrant Edge never matches them): store flags as 0/1.
- `upsert(name, points, only_if=Filter(...))` is a compare-and-set: it replaces existing points that match
  and never inserts. `tenants(name, filter)` lists tenant ids holding matching points (maintenance jobs).
- Writes are visible to the next read (Edge applies in place; the server client waits).
- Errors from the engine or server surface as `VectorStoreError`; bad arguments as `ValueError`.
"""

from relaydesk.vectorstore.base import (
    Filter,
    Match,
    MatchAny,
    Point,
    Range,
    Record,
    ScoredPoint,
    SearchRequest,
    SparseVector,
    VectorStore,
    VectorStoreError,
)
from relaydesk.vectorstore.config import VectorStoreSettings
from relaydesk.vectorstore.factory import build_vector_store

__all__ = [
    "Filter",
    "Match",
    "MatchAny",
    "Point",
    "Range",
    "Record",
    "ScoredPoint",
    "SearchRequest",
    "SparseVector",
    "VectorStore",
    "VectorStoreError",
    "VectorStoreSettings",
    "build_vector_store",
]
