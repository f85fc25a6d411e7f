from __future__ import annotations

import numpy as np
import pytest

from relaydesk.intent.classifier import OUT_OF_SCOPE, PrototypeIntentModel


def _clusters(seed: int = 0, per: int = 5, k: int = 4, dim: int = 32, spread: float = 0.25):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, dim))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    vectors, labels = [], []
    for c in range(k):
        for _ in range(per):
            v = centres[c] + spread * rng.normal(size=dim) / np.sqrt(dim)
            vectors.append(v / np.linalg.norm(v))
            labels.append(f"intent_{c}")
    background = rng.normal(size=(30, dim))
    background /= np.linalg.norm(background, axis=1, keepdims=True)
    return np.array(vectors), labels, centres, background


def test_when_query_near_an_intent_then_that_intent_with_high_confidence() -> None:
    vectors, labels, centres, background = _clusters()
    model = PrototypeIntentModel.fit(vectors, labels, background)
    [prediction] = model.predict(centres[2:3])
    assert prediction.label == "intent_2" and not prediction.out_of_scope
    assert prediction.confidence > 0.8
    assert next(c[0] for c in prediction.candidates) == "intent_2" and len(prediction.candidates) == 3


def test_when_query_far_from_every_intent_then_out_of_scope() -> None:
    vectors, labels, _, background = _clusters()
    model = PrototypeIntentModel.fit(vectors, labels, background)
    far = np.random.default_rng(9).normal(size=(1, vectors.shape[1]))
    [prediction] = model.predict(far)
    assert prediction.label == OUT_OF_SCOPE and prediction.out_of_scope
    assert prediction.candidates  # the nearest intents are still reported


@pytest.mark.parametrize(
    ("threshold", "expected_oos"),
    [
        (0.0, False),  # nothing is ever out of scope
        (1.0, True),  # everything is
    ],
)
def test_when_threshold_extreme_then_decision_follows(threshold: float, expected_oos: bool) -> None:
    vectors, labels, centres, background = _clusters()
    model = PrototypeIntentModel.fit(vectors, labels, background).with_threshold(threshold)
    assert model.predict(centres[:1])[0].out_of_scope is expected_oos


def test_when_examples_shuffled_then_same_model_scores() -> None:
    vectors, labels, centres, background = _clusters()
    order = np.random.default_rng(1).permutation(len(labels))
    a = PrototypeIntentModel.fit(vectors, labels, background)
    b = PrototypeIntentModel.fit(vectors[order], [labels[i] for i in order], background)
    assert sorted(a.labels) == sorted(b.labels)
    sa = dict(zip(a.labels, a.scores(centres)[0], strict=True))
    sb = dict(zip(b.labels, b.scores(centres)[0], strict=True))
    assert all(abs(sa[k] - sb[k]) < 1e-5 for k in sa)


def test_when_an_intent_has_one_example_then_it_is_still_predicted() -> None:
    vectors, labels, _centres, background = _clusters()
    keep = [i for i, lab in enumerate(labels) if lab != "intent_3"] + [labels.index("intent_3")]
    model = PrototypeIntentModel.fit(vectors[keep], [labels[i] for i in keep], background)
    assert model.predict(vectors[[labels.index("intent_3")]])[0].candidates[0][0] == "intent_3"


def test_when_single_intent_then_near_is_in_and_far_is_out_of_scope() -> None:
    vectors, labels, centres, background = _clusters(k=1)
    model = PrototypeIntentModel.fit(vectors, labels, background)
    far = np.random.default_rng(9).normal(size=(1, vectors.shape[1]))
    near, away = model.predict(np.vstack([centres, far]))
    assert near.label == "intent_0" and away.out_of_scope


def test_when_no_examples_then_error() -> None:
    with pytest.raises(ValueError):
        PrototypeIntentModel.fit(np.zeros((0, 4)), [], np.zeros((0, 4)))
