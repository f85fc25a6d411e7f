"""Few-shot intent classification over sentence embeddings, with a calibrated confidence.

Each intent is a set of example vectors. A turn's score for an intent mixes its similarity to the intent's
centroid (robust to one odd example) with its similarity to the nearest example (keeps distinct phrasings
apart): `score = mix * max_sim + (1 - mix) * centroid_sim`.

Calibration uses only held-out scores. Leave-one-out over the examples gives, for each example, the scores
it would get if the tenant had not written it: a temperature for the softmax over intents is fitted on
those, and a logistic calibrator maps (top score, margin, top probability) to the probability that the turn
is in scope and its top intent is right. The calibrator's negatives are the leave-one-out mistakes plus a
shipped set of off-topic turns. Below the tenant's threshold the turn is `out_of_scope`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from relaydesk.nlu.calibration import LogisticCalibrator, fit_temperature, softmax

OUT_OF_SCOPE = "out_of_scope"


@dataclass(frozen=True)
class IntentDefinition:
    """An intent as a tenant defines it: a snake_case name, a description, example turns in any language."""

    name: str
    description: str = ""
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class IntentPrediction:
    label: str
    confidence: float
    out_of_scope: bool
    candidates: tuple[tuple[str, float], ...]


def _normalise_rows(a: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(a, axis=-1, keepdims=True)
    return a / np.maximum(norms, 1e-12)


def _calibration_features(scores: np.ndarray, temperature: float) -> np.ndarray:
    top2 = np.sort(scores, axis=1)[:, -2:] if scores.shape[1] > 1 else np.repeat(scores, 2, axis=1)
    p_top = softmax(scores, temperature).max(axis=1)
    return np.stack([top2[:, 1], top2[:, 1] - top2[:, 0], p_top], axis=1)


@dataclass(frozen=True)
class PrototypeIntentModel:
    labels: tuple[str, ...]
    examples: np.ndarray  # (n, d), rows grouped by class
    class_starts: np.ndarray  # (k,) first row of each class in `examples`
    centroids: np.ndarray  # (k, d)
    mix: float
    temperature: float
    calibrator: LogisticCalibrator | None
    threshold: float

    @classmethod
    def fit(
        cls,
        vectors: np.ndarray,
        labels: Sequence[str],
        background: np.ndarray,
        mix: float = 0.5,
        threshold: float = 0.3,
        in_scope_prior: float = 0.8,
    ) -> PrototypeIntentModel:
        """`vectors[i]` is an example of intent `labels[i]`; `background` holds off-topic turn vectors."""
        if len(vectors) != len(labels) or len(vectors) == 0:
            raise ValueError("need one label per example vector, and at least one example")
        names = tuple(dict.fromkeys(labels))
        order = sorted(range(len(labels)), key=lambda i: names.index(labels[i]))
        examples = _normalise_rows(np.asarray(vectors, dtype=np.float32)[order])
        cls_idx = np.array([names.index(labels[i]) for i in order])
        starts = np.searchsorted(cls_idx, np.arange(len(names)))
        sums = np.add.reduceat(examples, starts, axis=0)
        centroids = _normalise_rows(sums)
        model = cls(names, examples, starts, centroids, mix, 1.0, None, threshold)
        loo_scores, valid = model._leave_one_out_scores(cls_idx, sums)
        if not valid.any():
            return model  # every intent has a single example: nothing can be held out
        if len(names) > 1:
            model = replace(model, temperature=fit_temperature(loo_scores[valid], cls_idx[valid]))
        calibrator = model._fit_calibrator(loo_scores[valid], cls_idx[valid], background, in_scope_prior)
        return replace(model, calibrator=calibrator)

    def with_threshold(self, threshold: float) -> PrototypeIntentModel:
        return replace(self, threshold=threshold)

    def scores(self, queries: np.ndarray) -> np.ndarray:
        """(m, k) intent scores for (m, d) query vectors."""
        q = _normalise_rows(np.atleast_2d(np.asarray(queries, dtype=np.float32)))
        nearest = np.maximum.reduceat(q @ self.examples.T, self.class_starts, axis=1)
        return self.mix * nearest + (1.0 - self.mix) * (q @ self.centroids.T)

    def predict(self, queries: np.ndarray, top_k: int = 3) -> list[IntentPrediction]:
        scores = self.scores(queries)
        probs = softmax(scores, self.temperature)
        confidence = self._confidence(scores)
        out: list[IntentPrediction] = []
        for row, p, conf in zip(scores, probs, confidence, strict=True):
            ranked = np.argsort(-row)[:top_k]
            candidates = tuple((self.labels[j], round(float(p[j]), 4)) for j in ranked)
            best = self.labels[int(ranked[0])]
            if conf < self.threshold:
                out.append(IntentPrediction(OUT_OF_SCOPE, round(1.0 - float(conf), 4), True, candidates))
            else:
                out.append(IntentPrediction(best, round(float(conf), 4), False, candidates))
        return out

    def _confidence(self, scores: np.ndarray) -> np.ndarray:
        if self.calibrator is None:
            return np.clip(scores.max(axis=1), 0.0, 1.0)
        return self.calibrator.predict(_calibration_features(scores, self.temperature))

    def _leave_one_out_scores(self, cls_idx: np.ndarray, sums: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Scores each example would get without itself in the model. Examples that are the only one of their
        intent cannot be held out (their intent would vanish); they are marked invalid."""
        sims = self.examples @ self.examples.T
        np.fill_diagonal(sims, -np.inf)
        nearest = np.maximum.reduceat(sims, self.class_starts, axis=1)
        counts = np.diff(np.append(self.class_starts, len(self.examples)))
        own_sums = sums[cls_idx] - self.examples
        own_centroid = _normalise_rows(own_sums)
        centroid_sims = self.examples @ self.centroids.T
        rows = np.arange(len(self.examples))
        centroid_sims[rows, cls_idx] = np.einsum("nd,nd->n", self.examples, own_centroid)
        scores = self.mix * nearest + (1.0 - self.mix) * centroid_sims
        valid = counts[cls_idx] > 1
        return np.where(np.isfinite(scores), scores, -1.0), valid

    def _fit_calibrator(
        self, loo_scores: np.ndarray, targets: np.ndarray, background: np.ndarray, in_scope_prior: float
    ) -> LogisticCalibrator | None:
        parts = [_calibration_features(loo_scores, self.temperature)]
        hits = [(loo_scores.argmax(axis=1) == targets).astype(np.float64)]
        if len(background):
            parts.append(_calibration_features(self.scores(background), self.temperature))
            hits.append(np.zeros(len(background)))
        features, target = np.vstack(parts), np.concatenate(hits)
        if target.min() == target.max():
            return None
        # In-scope and off-topic turns get total weights `in_scope_prior` and its complement, whatever the sizes
        # of the example and background sets: the confidence then assumes that share of in-scope traffic.
        in_scope = len(loo_scores)
        off_topic = max(len(background), 1)
        weight = np.concatenate(
            [np.full(in_scope, in_scope_prior / in_scope), np.full(len(background), (1 - in_scope_prior) / off_topic)]
        )
        return LogisticCalibrator.fit(features, target, l2=1e-3, sample_weight=weight * len(target))
