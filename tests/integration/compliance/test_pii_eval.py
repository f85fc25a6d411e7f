"""The shipped PII evaluation set against the real redactor: the targets we reach, asserted."""

from __future__ import annotations

import pytest

from relaydesk.compliance.evaluation import load_pii_set, score_pii
from relaydesk.compliance.pii import STRUCTURED_TYPES, Redactor

from .conftest import REPO

PII_SET = REPO / "evals" / "pii" / "pii_eval.jsonl"


@pytest.fixture(scope="module")
def scores(redactor: Redactor):  # type: ignore[no-untyped-def]
    cases = load_pii_set(PII_SET)
    return cases, score_pii(
        cases, lambda text, lang: [(s.type, s.start, s.end) for s in redactor.analyze(text, lang)], redactor.entity_types
    )


def test_when_eval_set_loaded_then_it_covers_types_languages_and_negatives(scores) -> None:  # type: ignore[no-untyped-def]
    cases, _ = scores
    assert len(cases) >= 300
    assert {c.lang for c in cases} >= {"en", "zh", "ja", "id"}
    assert {t for c in cases for t, _, _ in c.entities} >= set(STRUCTURED_TYPES)
    assert sum(not c.entities for c in cases) >= 100


@pytest.mark.parametrize("entity_type", STRUCTURED_TYPES)
def test_when_structured_type_then_recall_and_precision_reach_targets(scores, entity_type: str) -> None:  # type: ignore[no-untyped-def]
    counts = scores[1].per_type[entity_type].as_dict()
    assert counts["recall"] >= 0.99, counts
    assert counts["precision"] >= 0.95, counts


def test_when_negative_lines_then_untouched_and_no_value_leaks(scores) -> None:  # type: ignore[no-untyped-def]
    result = scores[1].as_dict()
    assert result["negatives_untouched"] >= 0.99
    assert result["leaked_spans"] == 0
    assert result["structured"]["recall"] >= 0.99 and result["structured"]["precision"] >= 0.95
