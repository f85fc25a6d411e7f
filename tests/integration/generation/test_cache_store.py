"""The semantic cache on a real Qdrant Edge shard, and its decisions on a held-out set with real e5 embeddings."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from relaydesk.embedding import Embedder
from relaydesk.events import RetrievalHit
from relaydesk.generation.adapters.cache_store import VectorStoreCache
from relaydesk.generation.cache import choose_cached, question_kind, question_signature
from relaydesk.generation.config import GenerationSettings
from relaydesk.generation.ports import CachedSource, CacheEntry, CacheScope
from relaydesk.vectorstore.edge import EdgeVectorStore

DATA = Path(__file__).parent / "data"
SCOPE = CacheScope(tenant_id="acme", lang="en", config_revision=3, embed_model="e5")


def unit(seed: int, dim: int = 8) -> np.ndarray:
    vec = np.random.default_rng(seed).standard_normal(dim).astype(np.float32)
    return vec / np.linalg.norm(vec)


def entry(reply_id: str, docs: tuple[str, ...], tenant: str = "acme", lang: str = "en", revision: int = 3,
          question: str = "How long do refunds take?", answer: str = "Refunds take 5 days.") -> CacheEntry:
    terms, keys = question_signature(question)
    return CacheEntry(reply_id=reply_id, tenant_id=tenant, text=answer,
                      sources=[CachedSource(doc_id=d, version=1) for d in docs], kb_version=4, lang=lang,
                      config_revision=revision, embed_model="e5", question_terms=terms, question_keys=keys,
                      question_kind=question_kind(question))


@pytest.fixture
def cache(tmp_path: Path) -> VectorStoreCache:
    return VectorStoreCache(EdgeVectorStore(tmp_path / "edge"), "generation-cache", dim=8)


def test_when_entries_are_stored_then_lookup_sees_only_its_scope(cache: VectorStoreCache) -> None:
    vec = unit(1)
    cache.put(entry("mine", ("refunds",)), vec)
    cache.put(entry("other-tenant", ("refunds",), tenant="globex"), vec)
    cache.put(entry("other-lang", ("refunds",), lang="id"), vec)
    cache.put(entry("old-config", ("refunds",), revision=2), vec)
    found = cache.lookup(SCOPE, vec, k=5)
    assert [(e.reply_id, round(score, 4)) for e, score in found] == [("mine", 1.0)]
    assert found[0][0] == entry("mine", ("refunds",))


def test_when_a_document_changes_then_only_entries_built_on_it_go(cache: VectorStoreCache) -> None:
    cache.put(entry("refunds-only", ("refunds",)), unit(1))
    cache.put(entry("refunds-and-shipping", ("refunds", "shipping")), unit(2))
    cache.put(entry("shipping-only", ("shipping",)), unit(3))
    cache.put(entry("other-tenant", ("refunds",), tenant="globex"), unit(4))
    cache.invalidate_doc("acme", "refunds")
    assert [e.reply_id for e, _ in cache.lookup(SCOPE, unit(3), k=5)] == ["shipping-only"]
    assert cache.count("globex") == 1


def test_when_vector_has_another_width_then_lookup_is_empty_and_put_refuses(cache: VectorStoreCache) -> None:
    assert cache.lookup(SCOPE, unit(1, dim=16), k=3) == []
    with pytest.raises(ValueError):
        cache.put(entry("x", ("refunds",)), unit(1, dim=16))


def test_when_held_out_questions_are_asked_then_cache_never_reuses_a_wrong_answer(
    embedder: Embedder, tmp_path: Path
) -> None:
    docs = {d["doc_id"]: d["text"] for d in map(json.loads, (DATA / "cache_eval_docs.jsonl").open())}
    cases = [json.loads(line) for line in (DATA / "cache_eval.jsonl").open()]
    cache = VectorStoreCache(EdgeVectorStore(tmp_path / "edge"), "generation-cache", dim=embedder.dim)
    scope = CacheScope(tenant_id="acme", lang="en", config_revision=0, embed_model=embedder.model_id)
    threshold = GenerationSettings().cache_threshold
    for i, case in enumerate(cases):
        terms, keys = question_signature(case["cached_question"])
        cache.put(CacheEntry(
            reply_id=f"r{i}", tenant_id="acme", text=case["cached_answer"],
            sources=[CachedSource(doc_id=case["doc_id"], version=1)], kb_version=1, lang="en",
            embed_model=embedder.model_id, question_terms=terms, question_keys=keys,
            question_kind=question_kind(case["cached_question"]),
        ), embedder.embed_queries([case["cached_question"]])[0])
    outcome = {"tp": 0, "fp": 0, "fn": 0, "tn": 0}
    wrong: list[str] = []
    for i, case in enumerate(cases):
        for query in case["queries"]:
            hits = [RetrievalHit(doc_id=query["doc_id"], chunk_id=query["doc_id"] + "#0", title="",
                                 text=docs[query["doc_id"]], score=1.0, version=1)]
            candidates = cache.lookup(scope, embedder.embed_queries([query["text"]])[0], k=3)
            decision = choose_cached(candidates, hits, query["text"], threshold)
            chosen = decision.entry.reply_id if decision.entry is not None else None
            if chosen is None:
                key = "fn" if query["reuse"] else "tn"
            else:
                key = "tp" if query["reuse"] and chosen == f"r{i}" else "fp"
            outcome[key] += 1
            if key == "fp":
                wrong.append(query["text"])
    recall = outcome["tp"] / (outcome["tp"] + outcome["fn"])
    print(f"cache held-out: {outcome} recall={recall:.2f} threshold={threshold}")
    assert outcome["fp"] == 0, f"wrongly reused for: {wrong}"
    assert recall >= 0.5, outcome
