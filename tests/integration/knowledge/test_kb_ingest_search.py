"""The knowledge core and the retrieval core together over a real store (both backends) and the real
multilingual embedder: ingest -> search, tenant isolation, version order, redelivery, deletes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from relaydesk.events import KnowledgeApplied, KnowledgeUpdate, TurnAnnotated, TurnBody, TurnEmbedding
from relaydesk.knowledge import core as knowledge
from relaydesk.knowledge.chunking import ChunkingConfig
from relaydesk.knowledge.index import ensure_index, read_kb_version
from relaydesk.retrieval import core as retrieval
from relaydesk.vectorstore.base import VectorStore
from relaydesk.vectorstore.edge import EdgeVectorStore

from .conftest import CountingEmbedder

pytestmark = pytest.mark.integration

LOST = ("card-lost", "Lost or stolen card", "If your card is lost or stolen, block it at once in the app under Cards.")
REFUND = ("refunds", "Refund times", "Refunds reach your account within five working days after the return.")
ZH = ("zh-lost", "银行卡挂失", "如果银行卡丢失或被盗，请立即在应用中冻结卡片。")


def update(tenant: str, doc: tuple[str, str, str], version: int = 1, **extra: object) -> KnowledgeUpdate:
    doc_id, title, body = doc
    return KnowledgeUpdate(tenant_id=tenant, op="upsert", doc_id=doc_id, version=version, title=title, body=body,
                           **extra)  # type: ignore[arg-type]


def deps_for(store: VectorStore, embedder: CountingEmbedder) -> tuple[knowledge.KnowledgeDeps, retrieval.RetrievalDeps]:
    collections = ensure_index(store, embedder.dim)
    return (
        knowledge.KnowledgeDeps(store=store, embedder=embedder, collections=collections),
        retrieval.RetrievalDeps(store=store, embedder=embedder, collections=collections),
    )


def applied(outputs: list[list]) -> list[KnowledgeApplied]:
    return [o[0] for o in outputs]


def test_when_documents_ingested_then_paraphrase_finds_them_and_kb_version_counts(
    kb_store: VectorStore, kb_embedder: CountingEmbedder
) -> None:
    kdeps, rdeps = deps_for(kb_store, kb_embedder)
    out = applied(knowledge.handle_batch([update("acme", LOST), update("acme", REFUND), update("acme", ZH)], kdeps))
    assert [a.status for a in out] == ["applied"] * 3
    assert [a.kb_version for a in out] == [1, 2, 3]
    assert all(a.chunks == 1 and a.freshness_ms >= 0 for a in out)
    # One batch for the whole call: 3 chunks and 6 units (each document's title and its one sentence).
    assert kb_embedder.passage_texts == 9
    assert kb_store.count(kdeps.collections.units, "acme") == 6
    result = retrieval.search("acme", "someone took my wallet with my debit card", 2, rdeps)
    assert result.hits[0].doc_id == "card-lost"
    assert result.hits[0].chunk_id == "card-lost#0" and result.hits[0].version == 1
    assert result.kb_version == 3
    assert retrieval.search("acme", "我的卡被偷了", 1, rdeps).hits[0].doc_id == "zh-lost"


def test_when_other_tenant_searches_then_never_sees_these_documents(
    kb_store: VectorStore, kb_embedder: CountingEmbedder
) -> None:
    kdeps, rdeps = deps_for(kb_store, kb_embedder)
    knowledge.handle_batch([update("acme", LOST), update("acme", ZH), update("acme", REFUND)], kdeps)
    knowledge.handle_batch([update("globex", ("g-only", "Globex hours", "Globex stores open at nine."))], kdeps)
    # Queries that match acme's documents word for word, in meaning, and in another script.
    for query in ("block my stolen card", "Lost or stolen card", "银行卡丢失", "refund"):
        assert {h.doc_id for h in retrieval.search("globex", query, 10, rdeps).hits} <= {"g-only"}
        empty = retrieval.search("initech", query, 10, rdeps)
        assert empty.hits == [] and empty.kb_version == 0
    assert retrieval.search("globex", "Globex hours", 1, rdeps).kb_version == 1


def test_when_late_older_version_arrives_then_stale_and_newer_text_kept(
    kb_store: VectorStore, kb_embedder: CountingEmbedder
) -> None:
    kdeps, rdeps = deps_for(kb_store, kb_embedder)
    new = ("fees", "Card fees", "A replacement card costs 7 EUR.")
    old = ("fees", "Card fees", "A replacement card costs 5 EUR.")
    out = applied(knowledge.handle_batch([update("acme", new, version=20), update("acme", old, version=10)], kdeps))
    assert [a.status for a in out] == ["applied", "stale"]
    assert out[1].kb_version == 1
    out = applied(knowledge.handle_batch([update("acme", old, version=15)], kdeps))
    assert out[0].status == "stale"
    [hit] = retrieval.search("acme", "replacement card fee", 1, rdeps).hits
    assert "7 EUR" in hit.text and hit.version == 20


def test_when_event_redelivered_then_duplicate_and_nothing_changes(
    kb_store: VectorStore, kb_embedder: CountingEmbedder
) -> None:
    kdeps, _ = deps_for(kb_store, kb_embedder)
    first = update("acme", LOST, version=3)
    knowledge.handle(first, kdeps)
    embedded = kb_embedder.passage_texts
    [again] = knowledge.handle(first, kdeps)
    assert isinstance(again, KnowledgeApplied)
    assert again.status == "duplicate" and again.kb_version == 1 and again.causation_id == first.event_id
    assert kb_embedder.passage_texts == embedded
    assert read_kb_version(kb_store, "acme") == 1


def test_when_new_version_has_fewer_chunks_then_superseded_chunks_are_removed(
    kb_store: VectorStore, kb_embedder: CountingEmbedder
) -> None:
    kdeps, _ = deps_for(kb_store, kb_embedder)
    kdeps.chunking = ChunkingConfig(max_chars=80, overlap_chars=20)  # small budget: short sections, many chunks
    long_body = "\n\n".join(f"## Part {i}\n" + f"Rule {i} says one thing. " * 3 for i in range(3))
    [a] = knowledge.handle(update("acme", ("guide", "Guide", long_body), version=1), kdeps)
    assert a.chunks >= 2
    assert kb_store.count(kdeps.collections.units, "acme") == 1 + 3 + 3  # title, 3 headings, 3 distinct rules
    knowledge.handle(update("acme", ("guide", "Guide", "Now a single short paragraph."), version=2), kdeps)
    assert kb_store.count(kdeps.collections.chunks, "acme") == 1
    # The units of version 1 are gone with its chunks: the title and the one sentence remain.
    assert kb_store.count(kdeps.collections.units, "acme") == 2


def test_when_unchanged_chunk_then_its_vector_is_reused(kb_store: VectorStore, kb_embedder: CountingEmbedder) -> None:
    kdeps, _ = deps_for(kb_store, kb_embedder)
    knowledge.handle(update("acme", LOST, version=1, tags=["cards"]), kdeps)
    before = kb_embedder.passage_texts
    [a] = knowledge.handle(update("acme", LOST, version=2, tags=["cards", "security"]), kdeps)
    assert a.status == "applied" and kb_embedder.passage_texts == before


def test_when_deleted_then_gone_and_a_late_upsert_is_stale(kb_store: VectorStore, kb_embedder: CountingEmbedder) -> None:
    kdeps, rdeps = deps_for(kb_store, kb_embedder)
    knowledge.handle(update("acme", LOST, version=1), kdeps)
    delete = KnowledgeUpdate(tenant_id="acme", op="delete", doc_id="card-lost", version=5)
    [d] = knowledge.handle(delete, kdeps)
    assert d.status == "applied" and d.kb_version == 2
    assert retrieval.search("acme", "lost card", 5, rdeps).hits == []
    [late] = knowledge.handle(update("acme", LOST, version=4), kdeps)
    assert late.status == "stale"
    assert kb_store.count(kdeps.collections.chunks, "acme") == 0
    assert kb_store.count(kdeps.collections.units, "acme") == 0


def test_when_outside_validity_window_then_not_retrieved(kb_store: VectorStore, kb_embedder: CountingEmbedder) -> None:
    kdeps, rdeps = deps_for(kb_store, kb_embedder)
    now = datetime.now(UTC)
    promo = ("promo", "Summer promotion", "Free express delivery on all Orla Market orders this summer.")
    knowledge.handle(update("acme", promo, valid_to=now - timedelta(days=1)), kdeps)
    assert retrieval.search("acme", "free express delivery", 3, rdeps).hits == []
    knowledge.handle(update("acme", promo, version=2, valid_from=now - timedelta(days=1)), kdeps)
    assert retrieval.search("acme", "free express delivery", 3, rdeps).hits[0].doc_id == "promo"


def turn(tenant: str, text: str, embedding: TurnEmbedding | None = None) -> TurnAnnotated:
    now = datetime.now(UTC)
    return TurnAnnotated(
        tenant_id=tenant, conversation_id="c-1", received_at=now, embedding=embedding,
        turn=TurnBody(turn_id="t1", channel="webchat", speaker="customer", text=text),
    )


def test_when_turn_annotated_then_hits_version_and_timing_added_to_a_fresh_envelope(
    kb_store: VectorStore, kb_embedder: CountingEmbedder
) -> None:
    kdeps, rdeps = deps_for(kb_store, kb_embedder)
    knowledge.handle_batch([update("acme", LOST), update("acme", REFUND)], kdeps)
    vec = kb_embedder.embed_queries(["My card <CREDIT_CARD> was stolen, block it"])[0]
    given = turn("acme", "My card <CREDIT_CARD> was stolen, block it", TurnEmbedding.from_vector(kb_embedder.model_id, vec))
    plain = turn("acme", "when do I get my money back for a return")
    asked = kb_embedder.query_texts
    [[out1], [out2]] = retrieval.handle_batch([given, plain], rdeps)
    assert kb_embedder.query_texts == asked + 1  # the intent stage's embedding was reused for the first turn
    assert isinstance(out1, TurnAnnotated) and isinstance(out2, TurnAnnotated)
    assert out1.retrieval is not None and out1.retrieval.hits[0].doc_id == "card-lost"
    assert out1.retrieval.query == "My card was stolen, block it"
    assert out1.retrieval.kb_version == 2
    assert out2.retrieval is not None and out2.retrieval.hits[0].doc_id == "refunds"
    assert out1.event_id != given.event_id and out1.causation_id == given.event_id
    assert out1.turn == given.turn and out1.conversation_id == given.conversation_id
    assert [s.stage for s in out1.stages] == ["retrieval"]


def test_when_edge_store_reopened_then_kb_version_and_documents_survive(
    tmp_path: Path, kb_embedder: CountingEmbedder
) -> None:
    store = EdgeVectorStore(tmp_path)
    kdeps, _ = deps_for(store, kb_embedder)
    knowledge.handle_batch([update("acme", LOST), update("acme", REFUND)], kdeps)
    store.close()
    reopened = EdgeVectorStore(tmp_path)
    kdeps, rdeps = deps_for(reopened, kb_embedder)
    assert retrieval.search("acme", "stolen card", 1, rdeps).kb_version == 2
    [again] = knowledge.handle(update("acme", LOST), kdeps)
    assert again.status == "duplicate"
    reopened.close()
