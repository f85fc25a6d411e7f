"""Cohen's kappa and auto-fail precision/recall, against hand-computed values."""

from __future__ import annotations

import pytest

from relaydesk.qa.agreement import auto_fail_pr, cohen_kappa


@pytest.mark.parametrize(
    ("pairs", "kappa"),
    [
        ([("yes", "yes"), ("no", "no"), ("na", "na")], 1.0),  # perfect agreement
        # po = 0.5, pe = 0.5: chance level
        ([("yes", "yes"), ("yes", "no"), ("no", "yes"), ("no", "no")], 0.0),
        # 2x2 table [[20, 5], [10, 15]]: po = 0.7, pe = 0.5 -> 0.4
        ([("yes", "yes")] * 20 + [("yes", "no")] * 5 + [("no", "yes")] * 10 + [("no", "no")] * 15, 0.4),
        ([("yes", "yes")] * 5, 1.0),  # one category only, all agree
        ([], None),  # nothing to compare
    ],
)
def test_when_pairs_given_then_kappa_matches_hand_computation(pairs: list[tuple[str, str]], kappa: float | None) -> None:
    result = cohen_kappa(pairs)
    assert result == (None if kappa is None else pytest.approx(kappa))


def test_when_auto_fail_compared_then_precision_and_recall() -> None:
    rows = [
        ({"pii": "no"}, {"pii": "no"}),  # true positive
        ({"pii": "no"}, {"pii": "yes"}),  # false positive
        ({"pii": "yes", "opt": "na"}, {"pii": "yes", "opt": "no"}),  # false negative (other item)
        ({"pii": "yes"}, {"pii": "yes"}),  # true negative
    ]
    out = auto_fail_pr(rows, ("pii", "opt"))
    assert (out["tp"], out["fp"], out["fn"]) == (1, 1, 1)
    assert out["precision"] == 0.5 and out["recall"] == 0.5
