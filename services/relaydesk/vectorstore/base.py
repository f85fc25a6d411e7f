"""The vector-store contract: value types, filters and the `VectorStore` protocol both backends implement."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np

# Payload keys the store owns. `tenant_id` is written from `Point.tenant_id` and filtered on by the store
# itself; `_key` keeps the caller's point id (the backend id is a UUID derived from tenant and key).
TENANT_KEY = "tenant_id"
KEY_FIELD = "_key"
RESERVED_KEYS = frozenset({TENANT_KEY, KEY_FIELD})

COLLECTION_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")

IndexType = Literal["keyword", "integer", "float"]


class VectorStoreError(RuntimeError):
    """A backend failed or refused an operation (shard locked, dimension mismatch, server down)."""


@dataclass(frozen=True)
class SparseVector:
    """Sparse term weights: parallel lists of term indices (unique, any order) and weights."""

    indices: tuple[int, ...]
    values: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.indices) != len(self.values):
            raise ValueError("sparse vector indices and values differ in length")


@dataclass(frozen=True)
class Point:
    """One point of one tenant. `id` is the caller's key, unique within (collection, tenant)."""

    id: str
    tenant_id: str
    payload: Mapping[str, Any] = field(default_factory=dict)
    dense: np.ndarray | Sequence[float] | None = None
    sparse: SparseVector | None = None


@dataclass(frozen=True)
class Record:
    """A stored point as read back: the caller's key, its payload (without the store's `_key`), and its
    dense vector when asked for."""

    id: str
    payload: dict[str, Any]
    dense: np.ndarray | None = None


@dataclass(frozen=True)
class ScoredPoint:
    id: str
    score: float
    payload: dict[str, Any]


# --- Filters: a small portable subset of Qdrant's, translated by each backend. -------------------------


@dataclass(frozen=True)
class Match:
    """`key` equals `value` (for a list-valued payload field: contains it). Booleans are not matchable
    (Qdrant Edge never matches them): store flags as 0/1."""

    key: str
    value: str | int

    def __post_init__(self) -> None:
        if isinstance(self.value, bool):
            raise ValueError("Match on a boolean is not portable across backends: store the flag as 0/1")


@dataclass(frozen=True)
class MatchAny:
    key: str
    values: tuple[str, ...] | tuple[int, ...]


@dataclass(frozen=True)
class Range:
    key: str
    gt: float | None = None
    gte: float | None = None
    lt: float | None = None
    lte: float | None = None


Condition = Match | MatchAny | Range


@dataclass(frozen=True)
class Filter:
    """All of `must`, none of `must_not`, and (when given) at least one of `should`.

    An empty `Filter()` matches every point of the tenant: `delete(name, tenant, Filter())` removes all of
    that tenant's points in the collection, and nothing of any other tenant.
    """

    must: tuple[Condition, ...] = ()
    must_not: tuple[Condition, ...] = ()
    should: tuple[Condition, ...] = ()

    def keys(self) -> set[str]:
        return {c.key for c in (*self.must, *self.must_not, *self.should)}


@dataclass(frozen=True)
class SearchRequest:
    """One search within one tenant. Give `dense`, `sparse`, or both (then the backend fuses the two ranked
    lists with reciprocal rank fusion, each list `prefetch_k` long, weighted by `weights` = (dense, sparse),
    or with `fusion="dbsf"`).
    `score_threshold` applies to single-vector searches only (fused scores are rank-based)."""

    tenant_id: str
    dense: np.ndarray | Sequence[float] | None = None
    sparse: SparseVector | None = None
    k: int = 10
    filter: Filter | None = None
    score_threshold: float | None = None
    prefetch_k: int | None = None
    rrf_k: int = 60
    weights: tuple[float, float] | None = None
    fusion: Literal["rrf", "dbsf"] = "rrf"  # dbsf: distribution-based score fusion (weights unused)

    def candidates(self) -> int:
        return self.prefetch_k or max(4 * self.k, 32)


@runtime_checkable
class VectorStore(Protocol):
    """A tenant-scoped point store. Every read and delete names a tenant and sees only that tenant's points;
    upserts stamp each point with its tenant. Calls are synchronous and safe from several threads."""

    def ensure_collection(
        self, name: str, dim: int, sparse: bool = False, indexes: Mapping[str, IndexType] | None = None
    ) -> None: ...

    def upsert(self, name: str, points: Sequence[Point], only_if: Filter | None = None) -> None:
        """Insert or replace points. With `only_if`, a point only replaces an existing point of the same id
        that matches `only_if` (within its tenant), and is never inserted: a compare-and-set."""
        ...

    def delete(self, name: str, tenant_id: str, filter: Filter) -> None: ...

    def delete_ids(self, name: str, tenant_id: str, ids: Sequence[str]) -> None: ...

    def get(self, name: str, tenant_id: str, ids: Sequence[str], with_vectors: bool = False) -> list[Record]: ...

    def search(
        self,
        name: str,
        tenant_id: str,
        dense: np.ndarray | Sequence[float] | None = None,
        sparse: SparseVector | None = None,
        k: int = 10,
        filter: Filter | None = None,
        score_threshold: float | None = None,
    ) -> list[ScoredPoint]: ...

    def search_batch(self, name: str, requests: Sequence[SearchRequest]) -> list[list[ScoredPoint]]: ...

    def count(self, name: str, tenant_id: str, filter: Filter | None = None) -> int: ...

    def scroll(
        self,
        name: str,
        tenant_id: str,
        filter: Filter | None = None,
        limit: int = 256,
        offset: str | None = None,
    ) -> tuple[list[Record], str | None]: ...

    def tenants(self, name: str, filter: Filter | None = None, limit: int = 10_000) -> list[str]:
        """Tenants holding points (matching `filter`) in a collection, for maintenance jobs that must visit
        every tenant. It reveals tenant ids only, never points."""
        ...

    def close(self) -> None: ...


def check_collection_name(name: str) -> None:
    if not COLLECTION_NAME.match(name):
        raise ValueError(f"collection name {name!r} must match {COLLECTION_NAME.pattern}")


def check_filter(filter: Filter | None) -> None:
    if filter is not None and filter.keys() & RESERVED_KEYS:
        raise ValueError(f"filters may not name the store's own keys {sorted(RESERVED_KEYS)}")


def check_tenant(tenant_id: str) -> None:
    if not tenant_id:
        raise ValueError("a tenant id is required")


def as_dense_list(vector: np.ndarray | Sequence[float]) -> list[float]:
    return np.asarray(vector, dtype=np.float32).reshape(-1).tolist()


def user_payload(payload: Mapping[str, Any] | None) -> dict[str, Any]:
    out = dict(payload or {})
    out.pop(KEY_FIELD, None)
    return out


def stored_payload(point: Point) -> dict[str, Any]:
    payload = {k: v for k, v in point.payload.items() if k not in RESERVED_KEYS}
    payload[TENANT_KEY] = point.tenant_id
    payload[KEY_FIELD] = point.id
    return payload
