"""The emotion classifier at run time: a multinomial logistic model over [embedding, scaled lexical
features], evaluated with numpy from weights shipped as JSON (trained by `python -m relaydesk.emotion.train`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from relaydesk.emotion.features import FEATURE_NAMES
from relaydesk.events.annotations import EMOTION_LABELS
from relaydesk.nlu.calibration import softmax

# How each emotion moves the sentiment score (the expectation over the emotion probabilities).
VALENCE: dict[str, float] = {
    "anger": -0.9,
    "disgust": -0.8,
    "fear": -0.6,
    "joy": 0.8,
    "sadness": -0.7,
    "surprise": 0.1,
    "neutral": 0.0,
}


@dataclass(frozen=True)
class EmotionModel:
    labels: tuple[str, ...]
    weights: np.ndarray  # (dim + n_features, n_labels)
    bias: np.ndarray  # (n_labels,)
    feature_mean: np.ndarray
    feature_scale: np.ndarray
    feature_weight: float
    temperature: float
    embedder_model: str
    meta: dict[str, Any]
    # Mean training embedding per label: the nearest-centroid baseline the eval command compares against.
    centroids: np.ndarray | None = None

    @property
    def name(self) -> str:
        return f"logreg+lexicon/{self.embedder_model}"

    def inputs(self, embeddings: np.ndarray, features: np.ndarray) -> np.ndarray:
        scaled = (np.asarray(features, dtype=np.float64) - self.feature_mean) / self.feature_scale
        return np.hstack([np.asarray(embeddings, dtype=np.float64), self.feature_weight * scaled])

    def logits(self, embeddings: np.ndarray, features: np.ndarray) -> np.ndarray:
        return self.inputs(embeddings, features) @ self.weights + self.bias

    def predict_proba(self, embeddings: np.ndarray, features: np.ndarray) -> np.ndarray:
        return softmax(self.logits(embeddings, features), self.temperature)

    def to_json(self) -> dict[str, Any]:
        return {
            "labels": list(self.labels),
            "feature_names": list(FEATURE_NAMES),
            "weights": np.round(self.weights, 6).tolist(),
            "bias": np.round(self.bias, 6).tolist(),
            "feature_mean": np.round(self.feature_mean, 6).tolist(),
            "feature_scale": np.round(self.feature_scale, 6).tolist(),
            "feature_weight": self.feature_weight,
            "temperature": self.temperature,
            "embedder_model": self.embedder_model,
            "meta": self.meta,
            "centroids": None if self.centroids is None else np.round(self.centroids, 6).tolist(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EmotionModel:
        if tuple(data["feature_names"]) != FEATURE_NAMES:
            raise ValueError("emotion model was trained on other lexical features: retrain it")
        if set(data["labels"]) != set(EMOTION_LABELS):
            raise ValueError("emotion model labels differ from the event schema's seven emotions")
        return cls(
            labels=tuple(data["labels"]),
            weights=np.asarray(data["weights"], dtype=np.float64),
            bias=np.asarray(data["bias"], dtype=np.float64),
            feature_mean=np.asarray(data["feature_mean"], dtype=np.float64),
            feature_scale=np.asarray(data["feature_scale"], dtype=np.float64),
            feature_weight=float(data["feature_weight"]),
            temperature=float(data["temperature"]),
            embedder_model=str(data["embedder_model"]),
            meta=dict(data.get("meta", {})),
            centroids=None if data.get("centroids") is None else np.asarray(data["centroids"], dtype=np.float64),
        )


def builtin_model_path() -> Path:
    return Path(str(resources.files("relaydesk.emotion").joinpath("model/emotion_model.json")))


def load_model(path: Path | None = None) -> EmotionModel:
    return EmotionModel.from_json(json.loads((path or builtin_model_path()).read_text(encoding="utf-8")))
