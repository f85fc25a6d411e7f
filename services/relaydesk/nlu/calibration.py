"""Confidence calibration: temperature scaling for class scores, and a Platt-style logistic calibrator.

Both are fitted on held-out scores (leave-one-out over a tenant's examples, cross-validation for emotion),
never on the scores of the examples a model was built from, which are overconfident by construction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    z = np.asarray(scores, dtype=np.float64) / max(temperature, 1e-6)
    z -= z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def fit_temperature(scores: np.ndarray, targets: np.ndarray, lo: float = 1e-3, hi: float = 10.0) -> float:
    """The temperature minimising the negative log-likelihood of `targets` (class indices), by a search on
    log T (NLL is unimodal in T for fixed scores)."""
    idx = np.arange(len(targets))

    def nll(log_t: float) -> float:
        p = softmax(scores, float(np.exp(log_t)))
        return float(-np.log(np.clip(p[idx, targets], 1e-12, 1.0)).mean())

    a, b = np.log(lo), np.log(hi)
    golden = (np.sqrt(5.0) - 1.0) / 2.0
    c, d = b - golden * (b - a), a + golden * (b - a)
    for _ in range(60):
        if nll(c) < nll(d):
            b = d
        else:
            a = c
        c, d = b - golden * (b - a), a + golden * (b - a)
    return float(np.exp((a + b) / 2.0))


@dataclass(frozen=True)
class LogisticCalibrator:
    """P(positive | features) = sigmoid(features @ weights + bias), fitted by Newton's method with an L2
    penalty. Features are standardised with the fitted mean and scale."""

    weights: np.ndarray
    bias: float
    mean: np.ndarray
    scale: np.ndarray

    @classmethod
    def fit(
        cls, features: np.ndarray, targets: np.ndarray, l2: float = 1e-2, sample_weight: np.ndarray | None = None
    ) -> LogisticCalibrator:
        x = np.asarray(features, dtype=np.float64)
        y = np.asarray(targets, dtype=np.float64)
        w_s = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        mean = x.mean(axis=0)
        scale = x.std(axis=0)
        scale[scale < 1e-9] = 1.0
        z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
        theta = np.zeros(z.shape[1])
        penalty = np.full(z.shape[1], l2)
        penalty[-1] = 0.0
        for _ in range(50):
            p = 1.0 / (1.0 + np.exp(-(z @ theta)))
            grad = z.T @ (w_s * (p - y)) + penalty * theta * w_s.sum()
            hess = (z * (w_s * p * (1 - p))[:, None]).T @ z + np.diag(penalty * w_s.sum() + 1e-9)
            step = np.linalg.solve(hess, grad)
            theta -= step
            if np.abs(step).max() < 1e-8:
                break
        return cls(theta[:-1].copy(), float(theta[-1]), mean, scale)

    def predict(self, features: np.ndarray) -> np.ndarray:
        x = (np.asarray(features, dtype=np.float64) - self.mean) / self.scale
        return 1.0 / (1.0 + np.exp(-(x @ self.weights + self.bias)))
