from __future__ import annotations

from pathlib import Path

import pytest

from relaydesk.events.annotations import RetrievalHit
from relaydesk.knowledge.documents import Document
from relaydesk.retrieval.core import clean_query
from relaydesk.retrieval.evaluation import Bm25Baseline, doc_ranking, load_queries, score

pytestmark = pytest.mark.unit

EVALS = Path(__file__).parents[3] / "evals" / "retrieval"


@pytest.mark.parametrize(
    ("rankings", "golds", "expected"),
    [
        ([["a", "b"]], ["a"], {"recall@1": 1.0, "recall@5": 1.0, "mrr": 1.0}),  # first
        ([["b", "a"]], ["a"], {"recall@1": 0.0, "recall@5": 1.0, "mrr": 0.5}),  # second
        ([["b", "c", "d", "e", "f", "a"]], ["a"], {"recall@1": 0.0, "recall@5": 0.0, "mrr": 0.1667}),  # sixth
        ([[]], ["a"], {"recall@1": 0.0, "recall@5": 0.0, "mrr": 0.0}),  # nothing found
        ([["a"], ["x"]], ["a", "a"], {"recall@1": 0.5, "recall@5": 0.5, "mrr": 0.5}),  # averaged
    ],
)
def test_when_scoring_then_recall_and_mrr(rankings: list[list[str]], golds: list[str], expected: dict) -> None:
    assert score(rankings, golds) == expected


def test_when_chunks_of_one_document_repeat_then_document_ranked_once() -> None:
    hits = [RetrievalHit(doc_id=d, chunk_id=f"{d}#{n}", title="", text="", score=1.0, version=1)
            for d, n in [("a", 0), ("b", 0), ("a", 1), ("c", 0)]]
    assert doc_ranking(hits) == ["a", "b", "c"]


def test_when_bm25_baseline_ranks_then_lexical_match_first() -> None:
    docs = [Document("refunds", "Refunds", "Refunds go back to your card in 5 days."),
            Document("lost", "Lost card", "Block a lost card in the app."),
            Document("zh", "挂失", "银行卡丢失请立即冻结")]
    bm25 = Bm25Baseline(docs)
    assert bm25.rank("how do I block a lost card")[0] == "lost"
    assert bm25.rank("银行卡丢了")[0] == "zh"
    assert bm25.rank("the of and") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("My card <CREDIT_CARD> was stolen", "My card was stolen"),  # placeholders carry no meaning
        ("  lots   of\nspace ", "lots of space"),
        ("<EMAIL_ADDRESS>", ""),  # nothing left to search for
    ],
)
def test_when_cleaning_query_then_placeholders_and_spaces_go(text: str, expected: str) -> None:
    assert clean_query(text, 1000) == expected


def test_when_shipped_eval_set_then_150_queries_in_four_languages_apart_from_dev() -> None:
    test = load_queries(EVALS / "queries.jsonl")
    dev = load_queries(EVALS / "dev_queries.jsonl")
    assert len(test) >= 150
    assert {q.lang for q in test} == {"en", "zh", "ja", "id"}
    assert all(sum(q.lang == lang for q in test) >= 30 for lang in ("zh", "ja", "id"))
    assert {q.query for q in test}.isdisjoint({q.query for q in dev})
