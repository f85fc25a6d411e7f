"""Fits the emotion model on the shipped training data (emotion/data/train.jsonl). sklearn is used here
only; the run-time model is plain numpy.

Model selection is leave-one-language-out: the training sentences are partly parallel across languages,
so random folds would leak translations between train and held-out folds and flatter the score.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from relaydesk.emotion.classifier import EmotionModel
from relaydesk.emotion.features import LexicalFeatures
from relaydesk.events.annotations import EMOTION_LABELS
from relaydesk.nlu.calibration import fit_temperature
from relaydesk.nlu.encoder import TurnEncoder
from relaydesk.nlu.jsonl import LabelledText, read_labelled
from relaydesk.nlu.metrics import classification_report

LANGS: tuple[str, ...] = ("en", "zh", "ja", "id")


def training_data_path() -> Path:
    return Path(str(resources.files("relaydesk.emotion").joinpath("data/train.jsonl")))


def _fit(
    embeddings: np.ndarray, features: np.ndarray, targets: np.ndarray, c: float, feature_weight: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    from sklearn.linear_model import LogisticRegression

    mean = features.mean(axis=0)
    scale = features.std(axis=0)
    scale[scale < 1e-6] = 1.0
    x = np.hstack([embeddings, feature_weight * (features - mean) / scale])
    clf = LogisticRegression(C=c, max_iter=5000).fit(x, targets)
    # sklearn orders classes by value; targets are indices into EMOTION_LABELS, all present.
    return clf.coef_.T.copy(), clf.intercept_.copy(), mean, scale


def fit_emotion_model(
    rows: Sequence[LabelledText],
    encoder: TurnEncoder,
    features: LexicalFeatures,
    c: float = 64.0,
    feature_weight: float = 0.1,
    progress: Callable[[str], None] | None = None,
) -> tuple[EmotionModel, dict[str, Any]]:
    say = progress or (lambda _m: None)
    labels = EMOTION_LABELS
    say(f"embedding {len(rows)} training turns")
    emb = encoder.encode([r.text for r in rows], [r.lang for r in rows]).astype(np.float64)
    lex = features.extract_many([r.text for r in rows], [r.lang for r in rows]).astype(np.float64)
    y = np.array([labels.index(r.label) for r in rows])
    langs = np.array([r.lang for r in rows])
    held_out_logits = np.zeros((len(rows), len(labels)))
    for lang in LANGS:
        test = langs == lang
        if not test.any():
            continue
        say(f"held-out language {lang}")
        w, b, mean, scale = _fit(emb[~test], lex[~test], y[~test], c, feature_weight)
        x = np.hstack([emb[test], feature_weight * (lex[test] - mean) / scale])
        held_out_logits[test] = x @ w + b
    temperature = fit_temperature(held_out_logits, y, lo=0.05, hi=20.0)
    predicted = [labels[i] for i in held_out_logits.argmax(axis=1)]
    gold = [r.label for r in rows]
    cv = classification_report(gold, predicted)
    cv_report = {
        "macro_f1": cv["macro_f1"],
        "per_lang": {
            lang: classification_report(
                [g for g, la in zip(gold, langs, strict=True) if la == lang],
                [p for p, la in zip(predicted, langs, strict=True) if la == lang],
            )["macro_f1"]
            for lang in LANGS
        },
    }
    w, b, mean, scale = _fit(emb, lex, y, c, feature_weight)
    digest = hashlib.sha256("\n".join(f"{r.label}\t{r.lang}\t{r.text}" for r in rows).encode()).hexdigest()
    meta = {
        "train_rows": len(rows),
        "train_sha256": digest,
        "c": c,
        "feature_weight": feature_weight,
        "glossary": encoder.glossary is not None,
        "gloss_weight": encoder.gloss_weight,
        "leave_one_language_out": cv_report,
    }
    centroids = np.stack([emb[y == k].mean(axis=0) for k in range(len(labels))])
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
    model = EmotionModel(labels, w, b, mean, scale, feature_weight, temperature, encoder.model_id, meta, centroids)
    return model, cv_report


def load_training_rows(path: Path | None = None) -> list[LabelledText]:
    return read_labelled(path or training_data_path())
