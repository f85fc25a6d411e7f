"""One contract, two backends: Qdrant Edge on disk in tmp_path, and qdrant-client's local mode."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from qdrant_client import QdrantClient

from relaydesk.vectorstore import (
    Filter,
    Match,
    MatchAny,
    Point,
    Range,
    SearchRequest,
    SparseVector,
    VectorStore,
    VectorStoreError,
)
from relaydesk.vectorstore.edge import EdgeVectorStore
from relaydesk.vectorstore.qdrant_server import QdrantServerVectorStore

pytestmark = pytest.mark.integration

DIM = 8
COLL = "contract"


def unit(i: int, noise: float = 0.0) -> np.ndarray:
    v = np.zeros(DIM, dtype=np.float32)
    v[i % DIM] = 1.0
    v[(i + 1) % DIM] = noise
    return v / np.linalg.norm(v)


def open_store(kind: str, tmp_path: Path) -> VectorStore:
    if kind == "edge":
        return EdgeVectorStore(tmp_path / "edge")
    return QdrantServerVectorStore(QdrantClient(":memory:"))


@pytest.fixture(scope="module", params=["edge", "qdrant-client"])
def shared_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[VectorStore]:
    # One store per backend for the module (a shard with its indexes takes ~0.5 s to create); each test
    # works in tenants of its own, which is exactly what the store keeps apart.
    s = open_store(request.param, tmp_path_factory.mktemp("store"))
    s.ensure_collection(COLL, DIM, sparse=True, indexes={"doc_id": "keyword", "version": "integer"})
    yield s
    s.close()


class Tenants:
    def __init__(self) -> None:
        suffix = uuid.uuid4().hex[:8]
        self.acme = f"acme-{suffix}"
        self.globex = f"globex-{suffix}"


@pytest.fixture
def store(shared_store: VectorStore) -> VectorStore:
    return shared_store


@pytest.fixture
def t() -> Tenants:
    return Tenants()


def seed(store: VectorStore, t: Tenants) -> None:
    points = []
    for tenant in (t.acme, t.globex):
        for i in range(4):
            points.append(
                Point(
                    id=f"doc{i}#0",
                    tenant_id=tenant,
                    dense=unit(i),
                    sparse=SparseVector((i, 100), (1.0, 0.5)),
                    payload={"doc_id": f"doc{i}", "version": i + 1, "tags": ["t", f"g{i % 2}"], "owner": tenant},
                )
            )
    store.upsert(COLL, points)


def test_when_upserted_then_get_returns_payload_with_tenant(store: VectorStore, t: Tenants) -> None:
    seed(store, t)
    [rec] = store.get(COLL, t.acme, ["doc1#0"])
    assert rec.id == "doc1#0"
    assert rec.payload["doc_id"] == "doc1"
    assert rec.payload["tenant_id"] == t.acme
    assert "_key" not in rec.payload


def test_when_get_with_vectors_then_dense_vector_returned(store: VectorStore, t: Tenants) -> None:
    seed(store, t)
    [rec] = store.get(COLL, t.acme, ["doc2#0"], with_vectors=True)
    assert rec.dense is not None
    np.testing.assert_allclose(rec.dense, unit(2), atol=1e-6)


@pytest.mark.parametrize(
    ("dense", "sparse", "expected_first"),
    [
        (unit(2, 0.1), None, "doc2#0"),  # dense only: nearest vector
        (None, SparseVector((3,), (1.0,)), "doc3#0"),  # sparse only: the only point holding term 3
        (unit(1, 0.1), SparseVector((1,), (1.0,)), "doc1#0"),  # hybrid: both lists agree
    ],
)
def test_when_searching_then_best_match_first(
    store: VectorStore, t: Tenants, dense: np.ndarray | None, sparse: SparseVector | None, expected_first: str
) -> None:
    seed(store, t)
    hits = store.search(COLL, t.acme, dense=dense, sparse=sparse, k=3)
    assert hits[0].id == expected_first
    assert all(h.payload["owner"] == t.acme for h in hits)


@pytest.mark.parametrize("kind", ["dense", "sparse", "hybrid"])
def test_when_other_tenant_searches_then_never_sees_foreign_points(store: VectorStore, t: Tenants, kind: str) -> None:
    store.upsert(COLL, [Point("secret#0", t.acme, {"doc_id": "secret"}, unit(5), SparseVector((55,), (1.0,)))])
    store.upsert(COLL, [Point("other#0", t.globex, {"doc_id": "other"}, unit(0), SparseVector((1,), (1.0,)))])
    dense = unit(5) if kind != "sparse" else None
    sparse = SparseVector((55,), (1.0,)) if kind != "dense" else None
    hits = store.search(COLL, t.globex, dense=dense, sparse=sparse, k=10)
    assert [h.id for h in hits if h.payload["doc_id"] == "secret"] == []
    assert all(h.payload["tenant_id"] == t.globex for h in hits)
    assert store.get(COLL, t.globex, ["secret#0"]) == []
    assert store.count(COLL, t.globex) == 1


def test_when_same_key_in_two_tenants_then_points_are_distinct(store: VectorStore, t: Tenants) -> None:
    seed(store, t)
    store.upsert(COLL, [Point("doc0#0", t.acme, {"doc_id": "changed"}, unit(0))])
    assert store.get(COLL, t.acme, ["doc0#0"])[0].payload["doc_id"] == "changed"
    assert store.get(COLL, t.globex, ["doc0#0"])[0].payload["doc_id"] == "doc0"


def test_when_deleting_by_filter_then_only_that_tenants_points_go(store: VectorStore, t: Tenants) -> None:
    seed(store, t)
    store.delete(COLL, t.acme, Filter(must=(Match("doc_id", "doc1"),)))
    assert store.count(COLL, t.acme) == 3
    assert store.count(COLL, t.globex) == 4
    store.delete(COLL, t.acme, Filter())
    assert store.count(COLL, t.acme) == 0
    assert store.count(COLL, t.globex) == 4


def test_when_deleting_ids_then_other_tenant_untouched(store: VectorStore, t: Tenants) -> None:
    seed(store, t)
    store.delete_ids(COLL, t.globex, ["doc0#0", "doc3#0"])
    assert store.count(COLL, t.globex) == 2
    assert store.count(COLL, t.acme) == 4


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        (Filter(must=(Match("doc_id", "doc2"),)), {"doc2#0"}),  # equality
        (Filter(must=(MatchAny("doc_id", ("doc0", "doc3")),)), {"doc0#0", "doc3#0"}),  # any of
        (Filter(must=(Range("version", gte=2, lt=4),)), {"doc1#0", "doc2#0"}),  # numeric range
        (Filter(must_not=(Match("doc_id", "doc0"),)), {"doc1#0", "doc2#0", "doc3#0"}),  # exclusion
        (Filter(must=(Match("tags", "g1"),)), {"doc1#0", "doc3#0"}),  # list field contains
        (Filter(should=(Match("doc_id", "doc0"), Match("version", 4))), {"doc0#0", "doc3#0"}),  # one of
    ],
)
def test_when_filtering_then_only_matching_points(
    store: VectorStore, t: Tenants, flt: Filter, expected: set[str]
) -> None:
    seed(store, t)
    hits = store.search(COLL, t.acme, dense=unit(0), k=10, filter=flt)
    assert {h.id for h in hits} == expected
    assert store.count(COLL, t.acme, flt) == len(expected)


def test_when_matching_a_boolean_then_rejected() -> None:
    with pytest.raises(ValueError):
        Match("flag", True)


def test_when_filter_names_tenant_then_rejected(store: VectorStore, t: Tenants) -> None:
    with pytest.raises(ValueError):
        store.search(COLL, t.acme, dense=unit(0), filter=Filter(must=(Match("tenant_id", t.globex),)))


def test_when_score_threshold_then_weak_matches_dropped(store: VectorStore, t: Tenants) -> None:
    seed(store, t)
    hits = store.search(COLL, t.acme, dense=unit(2), k=10, score_threshold=0.9)
    assert [h.id for h in hits] == ["doc2#0"]


def test_when_batch_searching_then_each_request_scoped_to_its_tenant(store: VectorStore, t: Tenants) -> None:
    seed(store, t)
    store.upsert(COLL, [Point("only-globex#0", t.globex, {"doc_id": "x", "owner": t.globex}, unit(6))])
    results = store.search_batch(
        COLL, [SearchRequest(t.acme, dense=unit(6), k=10), SearchRequest(t.globex, dense=unit(6), k=1)]
    )
    assert "only-globex#0" not in {h.id for h in results[0]}
    assert [h.id for h in results[1]] == ["only-globex#0"]


def test_when_scrolling_then_pages_cover_tenant_exactly(store: VectorStore, t: Tenants) -> None:
    seed(store, t)
    seen: list[str] = []
    offset: str | None = None
    while True:
        page, offset = store.scroll(COLL, t.globex, limit=3, offset=offset)
        seen.extend(r.id for r in page)
        if offset is None:
            break
    assert sorted(seen) == [f"doc{i}#0" for i in range(4)]


def test_when_payload_only_collection_then_records_round_trip(store: VectorStore, t: Tenants) -> None:
    store.ensure_collection("state", 0)
    store.upsert("state", [Point("kb", t.acme, {"kb_version": 3}), Point("kb", t.globex, {"kb_version": 9})])
    assert store.get("state", t.acme, ["kb"])[0].payload["kb_version"] == 3
    assert store.count("state", t.globex) == 1


def test_when_conditional_upsert_then_only_matching_existing_points_change(store: VectorStore, t: Tenants) -> None:
    seed(store, t)
    only_v2 = Filter(must=(Match("version", 2),))
    store.upsert(
        COLL,
        [
            Point("doc1#0", t.acme, {"doc_id": "doc1", "version": 20}, unit(7)),  # version 2: replaced
            Point("doc2#0", t.acme, {"doc_id": "doc2", "version": 30}, unit(7)),  # version 3: kept
            Point("new#0", t.acme, {"doc_id": "new", "version": 2}, unit(7)),  # absent: never inserted
        ],
        only_if=only_v2,
    )
    assert store.get(COLL, t.acme, ["doc1#0"])[0].payload["version"] == 20
    assert store.get(COLL, t.acme, ["doc2#0"])[0].payload["version"] == 3
    assert store.get(COLL, t.acme, ["new#0"]) == []
    assert store.get(COLL, t.globex, ["doc1#0"])[0].payload["version"] == 2


def test_when_listing_tenants_then_only_ids_of_holders(store: VectorStore, t: Tenants) -> None:
    seed(store, t)
    store.upsert(COLL, [Point("x#0", t.globex, {"doc_id": "x", "flag": 1}, unit(1))])
    assert {t.acme, t.globex} <= set(store.tenants(COLL))
    assert store.tenants(COLL, Filter(must=(Match("flag", 1),))) == [t.globex]


def test_when_collection_not_opened_then_error(store: VectorStore, t: Tenants) -> None:
    with pytest.raises(VectorStoreError):
        store.upsert("never-opened", [Point("a", t.acme, {}, unit(0))])


def test_when_edge_reopened_then_points_survive_and_dimension_is_checked(tmp_path: Path, t: Tenants) -> None:
    store = EdgeVectorStore(tmp_path)
    store.ensure_collection(COLL, DIM, sparse=True)
    seed(store, t)
    store.close()
    again = EdgeVectorStore(tmp_path)
    again.ensure_collection(COLL, DIM, sparse=True)
    assert again.count(COLL, t.acme) == 4
    again.delete(COLL, t.acme, Filter(must=(Match("doc_id", "doc0"),)))
    again.optimize(COLL)
    assert again.count(COLL, t.acme) == 3
    assert again.search(COLL, t.acme, dense=unit(1), k=1)[0].id == "doc1#0"
    again.close()
    with pytest.raises(VectorStoreError):
        EdgeVectorStore(tmp_path).ensure_collection(COLL, DIM * 2, sparse=True)


def test_when_server_collection_has_other_dimension_then_error() -> None:
    store = QdrantServerVectorStore(QdrantClient(":memory:"))
    store.ensure_collection(COLL, DIM)
    with pytest.raises(VectorStoreError):
        store.ensure_collection(COLL, DIM * 2)
