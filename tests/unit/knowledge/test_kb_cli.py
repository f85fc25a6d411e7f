from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from relaydesk.cli import bench_freshness, eval_retrieval, kb_push, kb_search
from relaydesk.knowledge.freshness import FreshnessConfig, FreshnessReport, bench_document, is_visible, percentile
from relaydesk.knowledge.terms import tokenize

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("n", "size", "expected"),
    [
        (0, 500, []),
        (3, 500, [3]),
        (1001, 500, [500, 500, 1]),
        (10, 5000, [10]),  # never above the gateway's 500
        (5, 2, [2, 2, 1]),
    ],
)
def test_when_pushing_then_documents_go_in_batches_of_at_most_500(n: int, size: int, expected: list[int]) -> None:
    docs = [{"doc_id": f"d{i}"} for i in range(n)]
    assert [len(b) for b in kb_push.batches(docs, size)] == expected


def test_when_pushing_deletes_then_only_ids_are_sent(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# A\nalpha\n")
    assert kb_push.request_documents([str(tmp_path)], delete=True) == [{"doc_id": "a", "op": "delete"}]


def test_when_push_paths_are_bad_then_exit_code_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = argparse.Namespace(paths=[str(tmp_path / "missing")], tenant="t", delete=False, batch=500, dry_run=False)
    assert kb_push.run(args) == 2
    assert "no such file" in capsys.readouterr().err


def test_when_search_answers_then_only_contract_fields_printed() -> None:
    answer = {"results": [{"doc_id": "a", "chunk_id": "a#0", "score": 0.5, "title": "A", "text": "t", "version": 3,
                           "lang": "en"}], "kb_version": 9}
    assert kb_search.format_results(answer) == {
        "results": [{"doc_id": "a", "chunk_id": "a#0", "score": 0.5, "title": "A", "text": "t", "version": 3}]
    }


@pytest.mark.parametrize(
    "module", [kb_push, kb_search, eval_retrieval, bench_freshness]
)
def test_when_command_registered_then_it_parses_its_arguments(module: object) -> None:
    parser = argparse.ArgumentParser()
    module.add_arguments(parser)  # type: ignore[attr-defined]
    assert parser.format_usage()


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        ([], 0.5, None),
        ([10.0], 0.99, 10.0),
        ([float(i) for i in range(1, 101)], 0.50, 50.0),
        ([float(i) for i in range(1, 101)], 0.99, 99.0),
        ([float(i) for i in range(1, 101)], 0.95, 95.0),
    ],
)
def test_when_percentile_then_nearest_rank(values: list[float], q: float, expected: float | None) -> None:
    assert percentile(values, q) == expected


def test_when_bench_document_then_its_code_is_one_search_term() -> None:
    doc, code = bench_document("ab12cd", 17)
    assert tokenize(code) == [code]
    assert code in tokenize(doc["body"])
    assert bench_document("ab12cd", 18)[1] != code


@pytest.mark.parametrize(
    ("results", "visible"),
    [
        ([{"doc_id": "d", "version": 5}], True),
        ([{"doc_id": "d", "version": 4}], False),  # an older version is not the update
        ([{"doc_id": "other", "version": 9}], False),
        ([], False),
    ],
)
def test_when_polling_then_visible_only_at_sent_version(results: list[dict], visible: bool) -> None:
    assert is_visible(results, "d", 5) is visible


def test_when_summarising_then_json_has_percentiles_and_ratios() -> None:
    report = FreshnessReport(latencies_ms=[100.0, 200.0, 300.0], produce_s=1.5,
                             baseline_query_ms=[10.0, 20.0], loaded_query_ms=[15.0, 40.0])
    summary = report.summary(FreshnessConfig(tenant="t", updates=3, rate=2.0))
    assert (summary["p50_ms"], summary["p95_ms"], summary["p99_ms"]) == (200.0, 300.0, 300.0)
    assert summary["query_p50_ratio"] == 1.5
    assert summary["achieved_rate"] == 2.0
    assert bench_freshness.human(summary)[0].startswith("updates: 3/3 visible")
