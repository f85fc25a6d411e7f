"""Scores the intent classifier on a labelled set against a plain nearest-centroid baseline over the same
embeddings, overall and per language. Used by `relaydesk eval intent` and the integration tests."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from relaydesk.intent.classifier import OUT_OF_SCOPE, IntentDefinition, PrototypeIntentModel
from relaydesk.intent.core import training_pairs
from relaydesk.nlu.encoder import TurnEncoder
from relaydesk.nlu.jsonl import LabelledText
from relaydesk.nlu.metrics import classification_report, expected_calibration_error


def definitions_from_rows(rows: Sequence[LabelledText]) -> tuple[IntentDefinition, ...]:
    """Train lines define intents exactly as a tenant's config would: a name and its examples."""
    grouped: dict[str, list[str]] = {}
    for row in rows:
        grouped.setdefault(row.label, []).append(row.text)
    return tuple(IntentDefinition(name, "", tuple(texts)) for name, texts in grouped.items())


def nearest_centroid(vectors: np.ndarray, labels: Sequence[str], queries: np.ndarray) -> list[str]:
    names = list(dict.fromkeys(labels))
    centroids = np.stack([vectors[[lab == n for lab in labels]].mean(axis=0) for n in names])
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
    return [names[i] for i in (queries @ centroids.T).argmax(axis=1)]


def evaluate_intents(
    definitions: Sequence[IntentDefinition],
    test: Sequence[LabelledText],
    encoder: TurnEncoder,
    background: np.ndarray,
    mix: float = 0.5,
    threshold: float = 0.3,
    in_scope_prior: float = 0.8,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    say = progress or (lambda _msg: None)
    texts, labels = training_pairs(definitions)
    say(f"embedding {len(texts)} examples")
    train_vectors = encoder.encode(texts)
    model = PrototypeIntentModel.fit(
        train_vectors, labels, background, mix=mix, threshold=threshold, in_scope_prior=in_scope_prior
    )
    say(f"embedding {len(test)} test turns")
    test_vectors = np.zeros((0, encoder.embedder.dim), dtype=np.float32)
    for start in range(0, len(test), 64):
        chunk = encoder.encode([row.text for row in test[start : start + 64]])
        test_vectors = np.vstack([test_vectors, chunk])
        say(f"  {min(start + 64, len(test))}/{len(test)}")
    predictions = model.predict(test_vectors)
    predicted = [p.label for p in predictions]
    baseline = nearest_centroid(train_vectors, labels, test_vectors)
    gold = [row.label for row in test]
    report = classification_report(gold, predicted)
    base_report = classification_report(gold, baseline)
    # The confidence of the top intent (before the threshold) against whether it was the gold label; an
    # off-topic turn's top intent is never right.
    top_confidence = [p.confidence if not p.out_of_scope else 1.0 - p.confidence for p in predictions]
    top_right = [bool(p.candidates) and p.candidates[0][0] == g for p, g in zip(predictions, gold, strict=True)]
    per_lang: dict[str, dict[str, Any]] = {}
    for lang in sorted({row.lang for row in test}):
        idx = [i for i, row in enumerate(test) if row.lang == lang]
        sub = classification_report([gold[i] for i in idx], [predicted[i] for i in idx])
        sub_base = classification_report([gold[i] for i in idx], [baseline[i] for i in idx])
        per_lang[lang] = {
            "n": sub["n"],
            "accuracy": sub["accuracy"],
            "macro_f1": sub["macro_f1"],
            "baseline_macro_f1": sub_base["macro_f1"],
        }
    oos_rows = [i for i, g in enumerate(gold) if g == OUT_OF_SCOPE]
    in_rows = [i for i, g in enumerate(gold) if g != OUT_OF_SCOPE]
    return {
        **report,
        "baseline_macro_f1": base_report["macro_f1"],
        "baseline_accuracy": base_report["accuracy"],
        "per_lang": per_lang,
        "out_of_scope": {
            "n": len(oos_rows),
            "recall": round(sum(predicted[i] == OUT_OF_SCOPE for i in oos_rows) / len(oos_rows), 4)
            if oos_rows
            else None,
            "in_scope_rejected": round(sum(predicted[i] == OUT_OF_SCOPE for i in in_rows) / len(in_rows), 4)
            if in_rows
            else None,
        },
        "ece": expected_calibration_error(top_confidence, top_right),
        "intents": len(model.labels),
        "examples": len(texts),
        "threshold": threshold,
        "model": f"prototype/{encoder.model_id}",
        "glossary": encoder.glossary is not None,
    }
