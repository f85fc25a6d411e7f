"""Fusion and second-stage re-ranking (relaydesk.retrieval.fusion), pure: hand-made candidate lists."""

from __future__ import annotations

import pytest

from relaydesk.retrieval.fusion import (
    FusionConfig,
    first_stage,
    keep_dense_hit,
    second_stage,
    squash,
    unit_scores,
    zscores,
)
from relaydesk.vectorstore.base import ScoredPoint

pytestmark = pytest.mark.unit


def chunk(doc: str, score: float, n: int = 0, lang: str = "en") -> ScoredPoint:
    return ScoredPoint(f"{doc}#{n}", score, {"doc_id": doc, "chunk_id": f"{doc}#{n}", "lang": lang})


def unit(doc: str, score: float, kind: str = "sentence", n: int = 0) -> ScoredPoint:
    return ScoredPoint(f"{doc}@{n}", score, {"doc_id": doc, "chunk_id": f"{doc}#{n}", "kind": kind})


def order(cands: list) -> list[str]:
    return [c.doc_id for c in cands]


@pytest.mark.parametrize(
    ("values", "groups", "expected"),
    [
        ({"a": 1.0, "b": 3.0}, None, {"a": -1.0, "b": 1.0}),  # one group: plain z-scores
        ({"a": 1.0, "b": 1.0}, None, {"a": 0.0, "b": 0.0}),  # no spread: zero, not a division by zero
        ({"a": 0.9, "b": 0.7, "c": 0.5}, {"a": "zh", "b": "en", "c": "en"},  # a zh group of one: against all
         {"a": 1.2247, "b": 1.0, "c": -1.0}),
        ({"a": 0.9, "b": 0.9, "c": 0.3}, {"a": "zh", "b": "zh", "c": "en"},  # zh without spread: against all
         {"a": 0.7071, "b": 0.7071, "c": -1.4142}),
    ],
)
def test_when_scores_are_standardised_then_within_their_group(values, groups, expected) -> None:
    got = zscores(values, groups)
    assert got == pytest.approx(expected, abs=1e-4)


def test_when_a_question_matches_a_same_language_article_weakly_then_the_standout_english_answer_wins() -> None:
    # A Chinese question: e5 gives every Chinese article a high cosine, and the right English article a lower
    # one that still stands out among the English articles. Raw cosine ranks a Chinese article first.
    dense = [chunk("zh-refunds", 0.86, lang="zh"), chunk("zh-login", 0.85, lang="zh"),
             chunk("order-cancel", 0.84), chunk("refunds", 0.78), chunk("login", 0.77), chunk("fees", 0.76)]
    ranked = first_stage(dense, [], FusionConfig(keep_dense_top=0))
    assert order(ranked)[0] == "order-cancel"


def test_when_the_only_article_in_the_questions_language_matches_best_then_it_stays_first() -> None:
    # A tenant with one Chinese article: its language group says nothing, so it is scored against all.
    dense = [chunk("zh-lost", 0.90, lang="zh"), chunk("card-lost", 0.86), chunk("refunds", 0.75)]
    assert order(first_stage(dense, [], FusionConfig(keep_dense_top=0)))[0] == "zh-lost"


def test_when_sparse_alone_finds_a_document_then_it_joins_the_candidates() -> None:
    dense = [chunk("a", 0.9), chunk("b", 0.8)]
    sparse = [chunk("c", 12.0), chunk("a", 3.0)]
    ranked = first_stage(dense, sparse)
    assert set(order(ranked)) == {"a", "b", "c"}
    assert ranked[0].doc_id == "a"  # first in dense and present in sparse


@pytest.mark.parametrize(
    ("ranking", "doc", "within", "expected"),
    [
        (["x", "y", "z", "d"], "d", 3, ["x", "y", "d", "z"]),  # pulled up to rank 3
        (["d", "x", "y"], "d", 3, ["d", "x", "y"]),  # already high enough: untouched
        (["x", "y", "d"], "d", 1, ["d", "x", "y"]),  # within 1: first
        (["x", "y"], "d", 3, ["x", "y"]),  # not a candidate: nothing to keep
        (["x", "y", "d"], "d", 0, ["x", "y", "d"]),  # disabled
    ],
)
def test_when_fusion_ranks_the_dense_leader_low_then_it_is_kept_near_the_top(ranking, doc, within, expected) -> None:
    cands = first_stage([chunk(d, 0.5) for d in ranking], [])
    by_id = {c.doc_id: c for c in cands}
    assert order(keep_dense_hit([by_id[d] for d in ranking], doc, within)) == expected


def test_when_sparse_outvotes_the_dense_leader_then_it_stays_within_keep_dense_top() -> None:
    dense = [chunk("lead", 0.95), *[chunk(f"d{i}", 0.6 - i * 0.01) for i in range(6)]]
    sparse = [chunk(f"d{i}", 20.0 - i) for i in range(6)]  # BM25 favours the others strongly
    ranked = first_stage(dense, sparse, FusionConfig(sparse_weight=5.0, keep_dense_top=2))
    assert order(ranked).index("lead") <= 1


def test_when_a_document_holds_the_best_sentence_then_reranking_puts_it_first() -> None:
    ranked = first_stage([chunk("a", 0.80), chunk("b", 0.79), chunk("c", 0.70)], [], FusionConfig(keep_dense_top=0))
    assert order(ranked)[0] == "a"
    units = [unit("a", 0.70), unit("b", 0.93), unit("c", 0.71), unit("a", 0.72, "title")]
    cfg = FusionConfig(sentence_weight=1.0, keep_dense_top=0)
    assert order(second_stage(ranked, units, cfg))[0] == "b"


def test_when_reranking_then_documents_beyond_the_depth_keep_their_place_below() -> None:
    ranked = first_stage([chunk(d, 0.9 - i * 0.05) for i, d in enumerate("abcde")], [])
    units = [unit("e", 0.99), unit("a", 0.5), unit("b", 0.6)]
    out = second_stage(ranked, units, FusionConfig(rerank_depth=2, keep_dense_top=0))
    assert order(out)[2:] == ["c", "d", "e"]  # e's great sentence is not looked at: it was not re-ranked
    assert set(order(out)[:2]) == {"a", "b"}


def test_when_no_units_are_stored_yet_then_the_first_stage_order_stands() -> None:
    ranked = first_stage([chunk("a", 0.9), chunk("b", 0.8)], [])
    assert order(second_stage(ranked, [])) == ["a", "b"]


def test_when_the_best_sentence_is_in_a_later_chunk_then_that_chunk_is_the_documents_first_hit() -> None:
    ranked = first_stage([chunk("a", 0.9, 0), chunk("a", 0.7, 1), chunk("b", 0.5)], [])
    out = second_stage(ranked, [unit("a", 0.9, n=1), unit("b", 0.4)])
    assert out[0].chunks[0].id == "a#1"


def test_when_units_are_scored_then_best_sentence_and_title_per_document() -> None:
    feats = unit_scores([unit("a", 0.5), unit("a", 0.8, n=2), unit("a", 0.9, "title"), unit("a", 0.6, "heading")])
    assert (feats["a"].sentence, feats["a"].title, feats["a"].best_chunk) == (0.8, 0.9, "a#2")


@pytest.mark.parametrize(("low", "high"), [(-3.0, -1.0), (-0.5, 0.5), (1.0, 4.0)])
def test_when_fused_scores_are_squashed_then_order_is_kept_inside_zero_one(low: float, high: float) -> None:
    assert 0.0 < squash(low) < squash(high) < 1.0
