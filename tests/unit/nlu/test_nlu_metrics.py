from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score

from relaydesk.nlu.calibration import LogisticCalibrator, fit_temperature, softmax
from relaydesk.nlu.metrics import classification_report, expected_calibration_error


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_when_random_labels_then_report_matches_sklearn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    labels = ["a", "b", "c", "d"]
    gold = [labels[i] for i in rng.integers(0, 4, 200)]
    pred = [labels[i] for i in rng.integers(0, 3, 200)]  # "d" is never predicted: its F1 is 0
    report = classification_report(gold, pred)
    assert report["accuracy"] == pytest.approx(accuracy_score(gold, pred), abs=1e-4)
    assert report["macro_f1"] == pytest.approx(f1_score(gold, pred, average="macro"), abs=1e-3)
    assert report["per_label"]["d"]["f1"] == 0.0


def test_when_lengths_differ_then_error() -> None:
    with pytest.raises(ValueError):
        classification_report(["a"], [])


@pytest.mark.parametrize(
    ("confidence", "correct", "expected"),
    [
        ([1.0, 1.0], [True, True], 0.0),  # sure and right
        ([1.0, 1.0], [False, False], 1.0),  # sure and wrong
        ([0.75] * 4, [True, True, True, False], 0.0),  # 75% confident, 75% right
        ([], [], 0.0),  # nothing to measure
    ],
)
def test_when_confidence_then_ece(confidence: list[float], correct: list[bool], expected: float) -> None:
    assert expected_calibration_error(confidence, correct) == pytest.approx(expected, abs=1e-4)


def test_when_scores_sampled_at_known_temperature_then_temperature_recovered() -> None:
    rng = np.random.default_rng(3)
    scores = rng.normal(size=(4000, 5))
    true_t = 0.5
    probs = softmax(scores, true_t)
    targets = np.array([rng.choice(5, p=p) for p in probs])
    assert fit_temperature(scores, targets) == pytest.approx(true_t, rel=0.1)


def test_when_features_separate_classes_then_calibrator_ranks_them() -> None:
    rng = np.random.default_rng(4)
    x = np.vstack([rng.normal(1.0, 0.5, (200, 2)), rng.normal(-1.0, 0.5, (200, 2))])
    y = np.concatenate([np.ones(200), np.zeros(200)])
    calibrator = LogisticCalibrator.fit(x, y)
    p = calibrator.predict(np.array([[2.0, 2.0], [0.0, 0.0], [-2.0, -2.0]]))
    assert p[0] > 0.95 and abs(p[1] - 0.5) < 0.15 and p[2] < 0.05
