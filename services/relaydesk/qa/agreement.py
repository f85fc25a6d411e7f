"""Agreement between automatic and human QA answers: accuracy and Cohen's kappa per question, and precision
and recall of auto-fail (an auto-fail item answered `no`). Used offline (`relaydesk eval qa`) and live
(calibration against graders' labels, exported as QA_KAPPA)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

ANSWERS = ("yes", "no", "na")


def cohen_kappa(pairs: Sequence[tuple[str, str]]) -> float | None:
    """Kappa of (auto, human) answer pairs; None without pairs. When both raters use one category only, the
    chance agreement is 1 and kappa is undefined: report 1.0 if they agree everywhere, else 0.0."""
    n = len(pairs)
    if n == 0:
        return None
    observed = sum(a == h for a, h in pairs) / n
    auto = Counter(a for a, _ in pairs)
    human = Counter(h for _, h in pairs)
    expected = sum(auto[c] * human[c] for c in set(auto) | set(human)) / (n * n)
    if expected >= 1.0:
        return 1.0 if observed == 1.0 else 0.0
    return (observed - expected) / (1.0 - expected)


@dataclass(frozen=True)
class QuestionAgreement:
    question: str
    n: int
    accuracy: float | None
    kappa: float | None
    confusion: dict[str, dict[str, int]]  # human answer -> auto answer -> count


def question_agreement(question: str, pairs: Sequence[tuple[str, str]]) -> QuestionAgreement:
    confusion = {h: {a: 0 for a in ANSWERS} for h in ANSWERS}
    for a, h in pairs:
        confusion.setdefault(h, {x: 0 for x in ANSWERS}).setdefault(a, 0)
        confusion[h][a] += 1
    accuracy = sum(a == h for a, h in pairs) / len(pairs) if pairs else None
    return QuestionAgreement(question, len(pairs), accuracy, cohen_kappa(pairs), confusion)


def auto_fail_pr(
    rows: Iterable[tuple[Mapping[str, str], Mapping[str, str]]], auto_fail_ids: Sequence[str]
) -> dict[str, float | int | None]:
    """Precision and recall of the conversation-level auto-fail flag (any auto-fail item `no`)."""
    tp = fp = fn = 0
    for auto, human in rows:
        a = any(auto.get(q) == "no" for q in auto_fail_ids)
        h = any(human.get(q) == "no" for q in auto_fail_ids)
        tp += a and h
        fp += a and not h
        fn += h and not a
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    return {"precision": precision, "recall": recall, "tp": tp, "fp": fp, "fn": fn}


def mean(values: Iterable[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return sum(vals) / len(vals) if vals else None
