"""Qdrant Edge backend: the Qdrant engine inside this process, one shard directory per collection.

Only one process may open a shard (its WAL is locked), so in embedded mode one worker process owns the store
and every agent in it shares this object.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import qdrant_edge as qe

from relaydesk.vectorstore.base import (
    KEY_FIELD,
    TENANT_KEY,
    Condition,
    Filter,
    IndexType,
    Match,
    MatchAny,
    Point,
    Range,
    Record,
    ScoredPoint,
    SearchRequest,
    SparseVector,
    VectorStoreError,
    as_dense_list,
    check_collection_name,
    check_filter,
    check_tenant,
    stored_payload,
)
from relaydesk.vectorstore.ids import point_uuid
from relaydesk.vectorstore.translate import (
    DENSE,
    SPARSE,
    FilterTranslator,
    Kinds,
    SingleSearch,
    collection_kinds,
    kinds_of,
    point_vectors,
    record_of,
    records_in_order,
    scored_points,
)

_P = ParamSpec("_P")
_R = TypeVar("_R")


def _typed_errors(fn: Callable[_P, _R]) -> Callable[_P, _R]:
    """Engine failures surface as `VectorStoreError` (callers degrade on that one type); bad arguments stay
    `ValueError`/`TypeError`."""

    @functools.wraps(fn)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return fn(*args, **kwargs)
        except (ValueError, TypeError, VectorStoreError):
            raise
        except Exception as exc:  # the binding raises bare Exception for every engine error
            raise VectorStoreError(f"qdrant edge {fn.__name__} failed: {type(exc).__name__}") from exc

    return wrapper


_INDEX_TYPES: dict[str, qe.PayloadSchemaType] = {
    "keyword": qe.PayloadSchemaType.Keyword,
    "integer": qe.PayloadSchemaType.Integer,
    "float": qe.PayloadSchemaType.Float,
}


class EdgeVectorStore(SingleSearch):
    def __init__(self, data_dir: str | Path) -> None:
        self.data_dir = Path(data_dir)
        self._shards: dict[str, qe.EdgeShard] = {}
        self._kinds: dict[str, Kinds] = {}
        self._open_lock = threading.Lock()

    # --- collections ----------------------------------------------------------------------------------

    def ensure_collection(
        self, name: str, dim: int, sparse: bool = False, indexes: Mapping[str, IndexType] | None = None
    ) -> None:
        check_collection_name(name)
        with self._open_lock:
            if name not in self._shards:
                self._shards[name] = self._open(name, dim, sparse)
                self._kinds[name] = collection_kinds(dim, sparse)
            shard = self._shards[name]
        known = shard.info().payload_schema
        wanted: dict[str, IndexType] = {TENANT_KEY: "keyword", KEY_FIELD: "keyword", **(indexes or {})}
        for key, kind in wanted.items():
            if key in known:
                continue
            schema: Any = (
                qe.KeywordIndexParams(is_tenant=True) if key == TENANT_KEY else _INDEX_TYPES[kind]
            )
            shard.update(qe.UpdateOperation.create_field_index(key, schema))

    def _open(self, name: str, dim: int, sparse: bool) -> qe.EdgeShard:
        has_dense, has_sparse = collection_kinds(dim, sparse)
        vectors = {DENSE: qe.EdgeVectorParams(size=dim, distance=qe.Distance.Cosine)} if has_dense else {}
        sparse_vectors = {SPARSE: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)} if has_sparse else {}
        config = qe.EdgeConfig(vectors=vectors, sparse_vectors=sparse_vectors)
        path = self.data_dir / name
        try:
            if path.is_dir() and any(path.iterdir()):
                return qe.EdgeShard.load(str(path), config)
            path.mkdir(parents=True, exist_ok=True)
            return qe.EdgeShard.create(str(path), config)
        except Exception as exc:  # the binding raises bare Exception for every engine error
            raise VectorStoreError(f"cannot open Qdrant Edge shard {name!r} at {path}: {exc}") from exc

    def _shard(self, name: str) -> qe.EdgeShard:
        try:
            return self._shards[name]
        except KeyError:
            raise VectorStoreError(f"collection {name!r} is not open: call ensure_collection first") from None

    # --- writes ---------------------------------------------------------------------------------------

    @_typed_errors
    def upsert(self, name: str, points: Sequence[Point], only_if: Filter | None = None) -> None:
        if not points:
            return
        check_filter(only_if)
        shard = self._shard(name)
        kinds = kinds_of(self._kinds, name)
        edge_points = []
        for p in points:
            check_tenant(p.tenant_id)
            vector = point_vectors(name, p, kinds, _sparse)
            edge_points.append(qe.Point(point_uuid(p.tenant_id, p.id), vector, stored_payload(p)))
        if only_if is None:
            shard.update(qe.UpdateOperation.upsert_points(edge_points))
            return
        for p, ep in zip(points, edge_points, strict=True):
            condition = _tenant_filter(p.tenant_id, only_if)
            shard.update(qe.UpdateOperation.upsert_points([ep], condition, qe.UpdateMode.UpdateOnly))

    @_typed_errors
    def delete(self, name: str, tenant_id: str, filter: Filter) -> None:
        check_filter(filter)
        self._shard(name).update(qe.UpdateOperation.delete_points_by_filter(_tenant_filter(tenant_id, filter)))

    @_typed_errors
    def delete_ids(self, name: str, tenant_id: str, ids: Sequence[str]) -> None:
        check_tenant(tenant_id)
        if ids:
            uuids: list[Any] = [point_uuid(tenant_id, i) for i in ids]
            self._shard(name).update(qe.UpdateOperation.delete_points(uuids))

    # --- reads ----------------------------------------------------------------------------------------

    @_typed_errors
    def get(self, name: str, tenant_id: str, ids: Sequence[str], with_vectors: bool = False) -> list[Record]:
        check_tenant(tenant_id)
        if not ids:
            return []
        uuids: list[Any] = [point_uuid(tenant_id, i) for i in ids]
        records = self._shard(name).retrieve(uuids, with_payload=True, with_vector=[DENSE] if with_vectors else False)
        return records_in_order(tenant_id, ids, records, with_vectors)

    @_typed_errors
    def search_batch(self, name: str, requests: Sequence[SearchRequest]) -> list[list[ScoredPoint]]:
        if not requests:
            return []
        shard = self._shard(name)
        queries = [_query(r) for r in requests]
        results = shard.query_batch(qe.QueryBatchRequest(queries)) if len(queries) > 1 else [
            shard.query(queries[0])
        ]
        return [scored_points(res) for res in results]

    @_typed_errors
    def count(self, name: str, tenant_id: str, filter: Filter | None = None) -> int:
        check_filter(filter)
        return int(self._shard(name).count(qe.CountRequest(exact=True, filter=_tenant_filter(tenant_id, filter))))

    @_typed_errors
    def scroll(
        self,
        name: str,
        tenant_id: str,
        filter: Filter | None = None,
        limit: int = 256,
        offset: str | None = None,
    ) -> tuple[list[Record], str | None]:
        check_filter(filter)
        records, next_offset = self._shard(name).scroll(
            qe.ScrollRequest(
                offset=offset, limit=limit, filter=_tenant_filter(tenant_id, filter), with_payload=True,
                with_vector=False,
            )
        )
        return [record_of(r, False) for r in records], None if next_offset is None else str(next_offset)

    @_typed_errors
    def tenants(self, name: str, filter: Filter | None = None, limit: int = 10_000) -> list[str]:
        check_filter(filter)
        flt = _FILTERS.plain(filter)
        response = self._shard(name).facet(qe.FacetRequest(TENANT_KEY, limit=limit, exact=True, filter=flt))
        return sorted(str(hit.value) for hit in response.hits)

    def optimize(self, name: str) -> bool:
        """Merge segments, vacuum deleted points and build HNSW indexes. Qdrant Edge does not do this in the
        background (a server does): call it from a maintenance job when the shard has seen many updates.
        Blocks until done; searches keep working meanwhile."""
        return bool(self._shard(name).optimize())

    def flush(self) -> None:
        for shard in list(self._shards.values()):
            shard.flush()

    def close(self) -> None:
        with self._open_lock:
            for shard in self._shards.values():
                shard.flush()
                shard.close()
            self._shards.clear()
            self._kinds.clear()


# --- translation to qdrant_edge types ------------------------------------------------------------------


def _query(r: SearchRequest) -> qe.QueryRequest:
    check_filter(r.filter)
    flt = _tenant_filter(r.tenant_id, r.filter)
    if r.dense is not None and r.sparse is not None:
        n = r.candidates()
        prefetches = [
            qe.Prefetch(limit=n, query=qe.Query.Nearest(as_dense_list(r.dense), using=DENSE), filter=flt),
            qe.Prefetch(limit=n, query=qe.Query.Nearest(_sparse(r.sparse), using=SPARSE), filter=flt),
        ]
        fusion: Any = (
            qe.Fusion.Dbsf() if r.fusion == "dbsf"
            else qe.Fusion.Rrf(k=r.rrf_k, weights=list(r.weights) if r.weights else None)
        )
        return qe.QueryRequest(limit=r.k, prefetches=prefetches, query=fusion, filter=flt, with_payload=True)
    if r.dense is not None:
        query = qe.Query.Nearest(as_dense_list(r.dense), using=DENSE)
    elif r.sparse is not None:
        query = qe.Query.Nearest(_sparse(r.sparse), using=SPARSE)
    else:
        raise ValueError("a search needs a dense or a sparse vector")
    return qe.QueryRequest(
        limit=r.k, query=query, filter=flt, with_payload=True, score_threshold=r.score_threshold
    )


def _sparse(v: SparseVector) -> qe.SparseVector:
    return qe.SparseVector(list(v.indices), list(v.values))


def _tenant_filter(tenant_id: str, filter: Filter | None) -> qe.Filter:
    flt: qe.Filter = _FILTERS.for_tenant(tenant_id, filter)
    return flt


def _condition(c: Condition) -> qe.FieldCondition:
    if isinstance(c, Match):
        return qe.FieldCondition(c.key, match=qe.MatchValue(c.value))
    if isinstance(c, MatchAny):
        values: Any = list(c.values)
        return qe.FieldCondition(c.key, match=qe.MatchAny(values))
    if isinstance(c, Range):
        return qe.FieldCondition(c.key, range=qe.RangeFloat(gte=c.gte, gt=c.gt, lte=c.lte, lt=c.lt))
    raise TypeError(f"unsupported filter condition {type(c).__name__}")


_FILTERS = FilterTranslator(
    condition=_condition,
    make=lambda must, must_not, should: qe.Filter(must=must, must_not=must_not, should=should),
    tenant_condition=lambda tenant_id: qe.FieldCondition(TENANT_KEY, match=qe.MatchValue(tenant_id)),
)
