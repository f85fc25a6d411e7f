"""`relaydesk eval qa`: score labelled conversations and compare with the labels, per question and per
language, against a baseline scored in the same run (the majority answer per question, learned on the same
file, which is the best a scorer that ignores the conversation can do)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from relaydesk.qa.agreement import auto_fail_pr, mean, question_agreement
from relaydesk.qa.conversation import Conversation
from relaydesk.qa.rubric import Rubric
from relaydesk.qa.scorer import QaResult


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def agreement_report(
    predicted: Sequence[Mapping[str, str]], labels: Sequence[Mapping[str, str]], rubric: Rubric
) -> dict[str, Any]:
    per_question: dict[str, Any] = {}
    for q in rubric.question_ids:
        pairs = [(p.get(q, "na"), lab[q]) for p, lab in zip(predicted, labels, strict=True) if q in lab]
        qa = question_agreement(q, pairs)
        per_question[q] = {"n": qa.n, "accuracy": _r(qa.accuracy), "kappa": _r(qa.kappa)}
    af = auto_fail_pr(zip(predicted, labels, strict=True), rubric.auto_fail_ids)
    return {
        "mean_kappa": _r(mean(v["kappa"] for v in per_question.values())),
        "mean_accuracy": _r(mean(v["accuracy"] for v in per_question.values())),
        "auto_fail": {k: _r(v) if isinstance(v, float) else v for k, v in af.items()},
        "questions": per_question,
    }


def majority_baseline(labels: Sequence[Mapping[str, str]], rubric: Rubric) -> list[dict[str, str]]:
    majority = {}
    for q in rubric.question_ids:
        counts = Counter(lab[q] for lab in labels if q in lab)
        majority[q] = counts.most_common(1)[0][0] if counts else "na"
    return [dict(majority) for _ in labels]


def missing_evidence(results: Sequence[QaResult]) -> list[dict[str, str]]:
    """Every `no` must point at a turn."""
    return [
        {"conversation_id": r.conversation_id, "question": q}
        for r in results
        for q, a in r.answers.items()
        if a.answer == "no" and not a.evidence
    ]


def evaluate(
    conversations: Sequence[Conversation],
    labels: Sequence[Mapping[str, str]],
    rubric: Rubric,
    score: Callable[[Conversation], QaResult],
) -> dict[str, Any]:
    results = [score(c) for c in conversations]
    predicted = [{q: a.answer for q, a in r.answers.items()} for r in results]
    report = agreement_report(predicted, labels, rubric)
    baseline = agreement_report(majority_baseline(labels, rubric), labels, rubric)
    by_lang: dict[str, Any] = {}
    for lang in sorted({c.lang or "?" for c in conversations}):
        idx = [i for i, c in enumerate(conversations) if (c.lang or "?") == lang]
        sub = agreement_report([predicted[i] for i in idx], [labels[i] for i in idx], rubric)
        sub_missing = missing_evidence([results[i] for i in idx])
        by_lang[lang] = {
            "n": len(idx),
            "mean_kappa": sub["mean_kappa"],
            "mean_accuracy": sub["mean_accuracy"],
            "auto_fail": sub["auto_fail"],
            "no_without_evidence": len(sub_missing),
        }
    missing = missing_evidence(results)
    return {
        "rubric_version": rubric.version,
        "conversations": len(conversations),
        **report,
        "no_without_evidence": len(missing),
        "no_without_evidence_items": missing[:20],
        "per_language": by_lang,
        "baseline": {
            "name": "majority answer per question",
            "mean_kappa": baseline["mean_kappa"],
            "mean_accuracy": baseline["mean_accuracy"],
            "auto_fail": baseline["auto_fail"],
        },
        "disagreements": [
            {"conversation_id": r.conversation_id, "question": q, "auto": p[q], "label": lab[q]}
            for r, p, lab in zip(results, predicted, labels, strict=True)
            for q in rubric.question_ids
            if q in lab and p.get(q) != lab[q]
        ],
    }
