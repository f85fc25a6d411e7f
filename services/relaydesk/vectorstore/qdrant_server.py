"""Qdrant server backend through qdrant-client (production). `QdrantClient(":memory:")` runs the same client
code path locally, which is how the tests exercise it."""

from __future__ import annotations

import contextlib
import threading
import warnings
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from qdrant_client import QdrantClient
from qdrant_client import models as qm

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

_INDEX_TYPES: dict[str, qm.PayloadSchemaType] = {
    "keyword": qm.PayloadSchemaType.KEYWORD,
    "integer": qm.PayloadSchemaType.INTEGER,
    "float": qm.PayloadSchemaType.FLOAT,
}


class QdrantServerVectorStore(SingleSearch):
    """`prefix` namespaces collection names, so several deployments can share one Qdrant cluster."""

    def __init__(self, client: QdrantClient, prefix: str = "") -> None:
        self.client = client
        self.prefix = prefix
        self._kinds: dict[str, Kinds] = {}
        # The local (in-process) client mutates plain Python dicts without locks; a server client is
        # thread-safe, so only the local mode is serialised.
        self._local_lock = threading.RLock() if _is_local(client) else None

    @classmethod
    def connect(
        cls, url: str, api_key: str | None = None, prefix: str = "", timeout_s: int = 10
    ) -> QdrantServerVectorStore:
        return cls(QdrantClient(url=url, api_key=api_key, timeout=timeout_s), prefix)

    @contextlib.contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            if self._local_lock is None:
                yield
            else:
                with self._local_lock:
                    yield
        except (ValueError, TypeError, VectorStoreError):
            raise
        except Exception as exc:  # transport and server errors: one type for callers to retry on
            raise VectorStoreError(f"qdrant request failed: {type(exc).__name__}") from exc

    def _name(self, name: str) -> str:
        return f"{self.prefix}{name}"

    # --- collections ----------------------------------------------------------------------------------

    def ensure_collection(
        self, name: str, dim: int, sparse: bool = False, indexes: Mapping[str, IndexType] | None = None
    ) -> None:
        check_collection_name(name)
        full = self._name(name)
        with self._guard():
            if self.client.collection_exists(full):
                _check_dim(self.client.get_collection(full), full, dim)
            else:
                has_dense, has_sparse = collection_kinds(dim, sparse)
                vectors = {DENSE: qm.VectorParams(size=dim, distance=qm.Distance.COSINE)} if has_dense else {}
                sparse_cfg = {SPARSE: qm.SparseVectorParams(modifier=qm.Modifier.IDF)} if has_sparse else None
                self.client.create_collection(full, vectors_config=vectors, sparse_vectors_config=sparse_cfg)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the local client warns that payload indexes are no-ops
                self.client.create_payload_index(
                    full, TENANT_KEY, qm.KeywordIndexParams(type=qm.KeywordIndexType.KEYWORD, is_tenant=True)
                )
                for key, kind in {KEY_FIELD: "keyword", **(indexes or {})}.items():
                    self.client.create_payload_index(full, key, _INDEX_TYPES[kind])
        self._kinds[name] = collection_kinds(dim, sparse)

    # --- writes ---------------------------------------------------------------------------------------

    def upsert(self, name: str, points: Sequence[Point], only_if: Filter | None = None) -> None:
        if not points:
            return
        check_filter(only_if)
        kinds = kinds_of(self._kinds, name)
        structs = []
        for p in points:
            check_tenant(p.tenant_id)
            vector = point_vectors(name, p, kinds, _sparse)
            structs.append(qm.PointStruct(id=point_uuid(p.tenant_id, p.id), vector=vector, payload=stored_payload(p)))
        with self._guard():
            if only_if is None:
                self.client.upsert(self._name(name), structs, wait=True)
                return
            for p, struct in zip(points, structs, strict=True):
                self.client.upsert(
                    self._name(name), [struct], wait=True, update_filter=_tenant_filter(p.tenant_id, only_if),
                    update_mode=qm.UpdateMode.UPDATE_ONLY,
                )

    def delete(self, name: str, tenant_id: str, filter: Filter) -> None:
        check_filter(filter)
        selector = qm.FilterSelector(filter=_tenant_filter(tenant_id, filter))
        with self._guard():
            self.client.delete(self._name(name), points_selector=selector, wait=True)

    def delete_ids(self, name: str, tenant_id: str, ids: Sequence[str]) -> None:
        check_tenant(tenant_id)
        if not ids:
            return
        selector = qm.PointIdsList(points=[point_uuid(tenant_id, i) for i in ids])
        with self._guard():
            self.client.delete(self._name(name), points_selector=selector, wait=True)

    # --- reads ----------------------------------------------------------------------------------------

    def get(self, name: str, tenant_id: str, ids: Sequence[str], with_vectors: bool = False) -> list[Record]:
        check_tenant(tenant_id)
        if not ids:
            return []
        with self._guard():
            records = self.client.retrieve(
                self._name(name),
                [point_uuid(tenant_id, i) for i in ids],
                with_payload=True,
                with_vectors=[DENSE] if with_vectors else False,
            )
        return records_in_order(tenant_id, ids, records, with_vectors)

    def search_batch(self, name: str, requests: Sequence[SearchRequest]) -> list[list[ScoredPoint]]:
        if not requests:
            return []
        queries = [_query(r) for r in requests]
        with self._guard():
            responses = self.client.query_batch_points(self._name(name), queries)
        return [scored_points(resp.points) for resp in responses]

    def count(self, name: str, tenant_id: str, filter: Filter | None = None) -> int:
        check_filter(filter)
        with self._guard():
            return int(
                self.client.count(self._name(name), count_filter=_tenant_filter(tenant_id, filter), exact=True).count
            )

    def scroll(
        self,
        name: str,
        tenant_id: str,
        filter: Filter | None = None,
        limit: int = 256,
        offset: str | None = None,
    ) -> tuple[list[Record], str | None]:
        check_filter(filter)
        with self._guard():
            records, next_offset = self.client.scroll(
                self._name(name),
                scroll_filter=_tenant_filter(tenant_id, filter),
                limit=limit,
                offset=offset,
                with_payload=True,
                with_vectors=False,
            )
        return [record_of(r, False) for r in records], None if next_offset is None else str(next_offset)

    def tenants(self, name: str, filter: Filter | None = None, limit: int = 10_000) -> list[str]:
        check_filter(filter)
        flt = _FILTERS.plain(filter)
        with self._guard():
            response = self.client.facet(self._name(name), TENANT_KEY, facet_filter=flt, limit=limit, exact=True)
        return sorted(str(hit.value) for hit in response.hits)

    def close(self) -> None:
        with self._guard():
            self.client.close()


# --- translation to qdrant-client models ----------------------------------------------------------------


def _is_local(client: QdrantClient) -> bool:
    return type(getattr(client, "_client", None)).__name__ == "QdrantLocal"


def _check_dim(info: Any, name: str, dim: int) -> None:
    vectors = info.config.params.vectors
    params = vectors.get(DENSE) if isinstance(vectors, dict) else None
    have = int(params.size) if params is not None else 0
    if have != dim:
        raise VectorStoreError(f"collection {name!r} holds {have}-d vectors, not {dim}-d")


def _sparse(v: SparseVector) -> qm.SparseVector:
    return qm.SparseVector(indices=list(v.indices), values=list(v.values))


def _query(r: SearchRequest) -> qm.QueryRequest:
    check_filter(r.filter)
    flt = _tenant_filter(r.tenant_id, r.filter)
    if r.dense is not None and r.sparse is not None:
        n = r.candidates()
        return qm.QueryRequest(
            prefetch=[
                qm.Prefetch(query=as_dense_list(r.dense), using=DENSE, limit=n, filter=flt),
                qm.Prefetch(query=_sparse(r.sparse), using=SPARSE, limit=n, filter=flt),
            ],
            query=(
                qm.FusionQuery(fusion=qm.Fusion.DBSF) if r.fusion == "dbsf"
                else qm.RrfQuery(rrf=qm.Rrf(k=r.rrf_k, weights=list(r.weights) if r.weights else None))
            ),
            filter=flt,
            limit=r.k,
            with_payload=True,
        )
    if r.dense is not None:
        query: Any = as_dense_list(r.dense)
        using = DENSE
    elif r.sparse is not None:
        query, using = _sparse(r.sparse), SPARSE
    else:
        raise ValueError("a search needs a dense or a sparse vector")
    return qm.QueryRequest(
        query=query, using=using, filter=flt, limit=r.k, with_payload=True, score_threshold=r.score_threshold
    )


def _tenant_filter(tenant_id: str, filter: Filter | None) -> qm.Filter:
    flt: qm.Filter = _FILTERS.for_tenant(tenant_id, filter)
    return flt


def _condition(c: Condition) -> qm.FieldCondition:
    if isinstance(c, Match):
        return qm.FieldCondition(key=c.key, match=qm.MatchValue(value=c.value))
    if isinstance(c, MatchAny):
        values: Any = list(c.values)
        return qm.FieldCondition(key=c.key, match=qm.MatchAny(any=values))
    if isinstance(c, Range):
        return qm.FieldCondition(key=c.key, range=qm.Range(gt=c.gt, gte=c.gte, lt=c.lt, lte=c.lte))
    raise TypeError(f"unsupported filter condition {type(c).__name__}")


_FILTERS = FilterTranslator(
    condition=_condition,
    make=lambda must, must_not, should: qm.Filter(must=must, must_not=must_not, should=should),
    tenant_condition=lambda tenant_id: qm.FieldCondition(key=TENANT_KEY, match=qm.MatchValue(value=tenant_id)),
)
