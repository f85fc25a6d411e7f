"""The steps both backends share when they turn contract types into engine calls and engine answers back into
contract types. The engine-specific constructors (qdrant_edge vs qdrant-client models) are passed in."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from relaydesk.vectorstore.base import (
    KEY_FIELD,
    TENANT_KEY,
    Filter,
    Point,
    Record,
    ScoredPoint,
    SearchRequest,
    SparseVector,
    VectorStoreError,
    as_dense_list,
    check_tenant,
    user_payload,
)

# Named vectors inside every collection.
DENSE = "dense"
SPARSE = "sparse"

Kinds = tuple[bool, bool]  # (holds dense vectors, holds sparse vectors)


def collection_kinds(dim: int, sparse: bool) -> Kinds:
    # A payload-only collection (dim=0) still gets one vector kind: an unused sparse one costs nothing.
    return dim > 0, sparse or dim == 0


def kinds_of(kinds: Mapping[str, Kinds], name: str) -> Kinds:
    try:
        return kinds[name]
    except KeyError:
        raise VectorStoreError(f"collection {name!r} is not open: call ensure_collection first") from None


def point_vectors(name: str, point: Point, kinds: Kinds, sparse_of: Callable[[SparseVector], Any]) -> dict[str, Any]:
    """The named vectors of one point, refusing a kind the collection does not hold."""
    has_dense, has_sparse = kinds
    vector: dict[str, Any] = {}
    if point.dense is not None:
        if not has_dense:
            raise ValueError(f"collection {name!r} holds no dense vectors")
        vector[DENSE] = as_dense_list(point.dense)
    if point.sparse is not None and point.sparse.indices:
        if not has_sparse:
            raise ValueError(f"collection {name!r} holds no sparse vectors")
        vector[SPARSE] = sparse_of(point.sparse)
    return vector


def record_of(r: Any, with_vectors: bool) -> Record:
    """A stored point (either engine's record type: `.payload`, `.vector`) as a contract `Record`."""
    dense = None
    if with_vectors and isinstance(r.vector, dict) and DENSE in r.vector:
        dense = np.asarray(r.vector[DENSE], dtype=np.float32)
    return Record(str((r.payload or {}).get(KEY_FIELD)), user_payload(r.payload), dense)


def records_in_order(tenant_id: str, ids: Sequence[str], found: Iterable[Any], with_vectors: bool) -> list[Record]:
    """Records for `ids`, in the order asked, skipping missing ones. The point UUID already binds the tenant;
    checking the payload's tenant too costs nothing."""
    by_key = {}
    for r in found:
        payload = r.payload or {}
        if payload.get(TENANT_KEY) == tenant_id:
            by_key[payload.get(KEY_FIELD)] = record_of(r, with_vectors)
    return [by_key[i] for i in ids if i in by_key]


def scored_points(hits: Iterable[Any]) -> list[ScoredPoint]:
    return [ScoredPoint(str((h.payload or {}).get(KEY_FIELD)), float(h.score), user_payload(h.payload)) for h in hits]


class FilterTranslator:
    """Turns a contract `Filter` into an engine filter. `condition` builds one engine condition; `make`
    builds the engine filter from (must, must_not, should) lists, each None when empty."""

    def __init__(
        self,
        condition: Callable[[Any], Any],
        make: Callable[[list[Any] | None, list[Any] | None, list[Any] | None], Any],
        tenant_condition: Callable[[str], Any],
    ) -> None:
        self.condition = condition
        self.make = make
        self.tenant_condition = tenant_condition

    def plain(self, filter: Filter | None) -> Any:
        """The filter alone, across tenants (only maintenance listings use this)."""
        if filter is None:
            return None
        return self._build([], filter)

    def for_tenant(self, tenant_id: str, filter: Filter | None) -> Any:
        check_tenant(tenant_id)
        return self._build([self.tenant_condition(tenant_id)], filter or Filter())

    def _build(self, must: list[Any], filter: Filter) -> Any:
        must = must + [self.condition(c) for c in filter.must]
        must_not = [self.condition(c) for c in filter.must_not]
        should = [self.condition(c) for c in filter.should]
        return self.make(must or None, must_not or None, should or None)


class SingleSearch:
    """`search` in terms of `search_batch`, for both backends."""

    def search_batch(self, name: str, requests: Sequence[SearchRequest]) -> list[list[ScoredPoint]]:
        raise NotImplementedError

    def search(
        self,
        name: str,
        tenant_id: str,
        dense: np.ndarray | Sequence[float] | None = None,
        sparse: SparseVector | None = None,
        k: int = 10,
        filter: Filter | None = None,
        score_threshold: float | None = None,
    ) -> list[ScoredPoint]:
        return self.search_batch(name, [SearchRequest(tenant_id, dense, sparse, k, filter, score_threshold)])[0]
