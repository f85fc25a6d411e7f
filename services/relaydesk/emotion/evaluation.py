"""Scores the emotion model on a labelled set against a nearest-centroid baseline over the same embeddings
(centroids of the training embeddings), overall, per language and per kind of turn (plain, sarcasm,
understatement, short). Used by `relaydesk eval emotion` and the integration tests."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from relaydesk.emotion.classifier import EmotionModel
from relaydesk.emotion.core import EmotionDeps, read_emotions
from relaydesk.nlu.jsonl import LabelledText
from relaydesk.nlu.metrics import classification_report, expected_calibration_error

_NEGATIVE = {"anger", "disgust", "fear", "sadness"}


def read_kinds(path: Path) -> list[str]:
    """The optional `kind` of each line (plain when absent), in file order."""
    with path.open(encoding="utf-8") as fh:
        return [str(json.loads(line).get("kind", "plain")) for line in fh if line.strip()]


def sentiment_agrees(label: str, sentiment: float) -> bool | None:
    """Whether the sentiment's sign fits the gold emotion; None for surprise, which has no sign."""
    if label in _NEGATIVE:
        return sentiment < 0.0
    if label == "joy":
        return sentiment > 0.0
    if label == "neutral":
        return abs(sentiment) <= 0.3
    return None


def _subset(gold: Sequence[str], pred: Sequence[str], base: Sequence[str], idx: list[int]) -> dict[str, Any]:
    sub = classification_report([gold[i] for i in idx], [pred[i] for i in idx])
    sub_base = classification_report([gold[i] for i in idx], [base[i] for i in idx])
    return {
        "n": sub["n"],
        "accuracy": sub["accuracy"],
        "macro_f1": sub["macro_f1"],
        "baseline_macro_f1": sub_base["macro_f1"],
    }


def baseline_labels(model: EmotionModel, vectors: np.ndarray) -> list[str]:
    if model.centroids is None:
        raise ValueError("the emotion model carries no training centroids: retrain it")
    return [model.labels[i] for i in (vectors @ model.centroids.T).argmax(axis=1)]


def evaluate_emotions(
    test: Sequence[LabelledText],
    kinds: Sequence[str],
    deps: EmotionDeps,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    say = progress or (lambda _m: None)
    vectors = np.zeros((0, deps.encoder.dim), dtype=np.float32)
    for start in range(0, len(test), 64):
        chunk = test[start : start + 64]
        vectors = np.vstack([vectors, deps.encoder.encode([r.text for r in chunk], [r.lang for r in chunk])])
        say(f"  embedded {min(start + 64, len(test))}/{len(test)}")
    readings = read_emotions([r.text for r in test], [r.lang for r in test], vectors, deps)
    gold = [r.label for r in test]
    predicted = [r.label for r in readings]
    baseline = baseline_labels(deps.model, vectors)
    report = classification_report(gold, predicted)
    agreement = [sentiment_agrees(g, r.sentiment) for g, r in zip(gold, readings, strict=True)]
    judged = [a for a in agreement if a is not None]
    top = [max(r.scores.values()) for r in readings]
    return {
        **report,
        "baseline_macro_f1": classification_report(gold, baseline)["macro_f1"],
        "baseline_accuracy": classification_report(gold, baseline)["accuracy"],
        "per_lang": {
            lang: _subset(gold, predicted, baseline, [i for i, r in enumerate(test) if r.lang == lang])
            for lang in sorted({r.lang for r in test})
        },
        "per_kind": {
            kind: _subset(gold, predicted, baseline, [i for i, k in enumerate(kinds) if k == kind])
            for kind in sorted(set(kinds))
        },
        "sentiment_sign_accuracy": round(sum(judged) / len(judged), 4) if judged else None,
        "ece": expected_calibration_error(top, [p == g for p, g in zip(predicted, gold, strict=True)]),
        "model": deps.model.name,
        "train_rows": deps.model.meta.get("train_rows"),
    }
