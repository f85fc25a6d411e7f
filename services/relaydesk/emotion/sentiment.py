"""The sentiment score in [-1, 1]: the valence expected under the emotion probabilities, blended with the
turn's lexical polarity when there is any (VADER's compound for English, the balance of positive and
negative cues elsewhere). Sarcasm flips lexical praise to blame: "great, lost again" is not positive."""

from __future__ import annotations

import numpy as np

from relaydesk.emotion.classifier import VALENCE
from relaydesk.emotion.features import FEATURE_NAMES

_I = {name: i for i, name in enumerate(FEATURE_NAMES)}
_NEGATIVE_CUES = ("cue_anger", "cue_disgust", "cue_fear", "cue_sadness")


def lexical_polarity(features: np.ndarray) -> float:
    compound = float(features[_I["en_compound"]])
    positive = float(features[_I["cue_joy"]])
    negative = float(sum(features[_I[n]] for n in _NEGATIVE_CUES))
    cue_balance = (positive - negative) / (positive + negative) if positive + negative else 0.0
    polarity = compound if compound != 0.0 else cue_balance
    if features[_I["sarcasm"]] > 0:
        polarity = -abs(polarity)
    return polarity


def sentiment_score(probs: np.ndarray, labels: tuple[str, ...], features: np.ndarray, lexical_weight: float) -> float:
    expected = float(sum(p * VALENCE[label] for p, label in zip(probs, labels, strict=True)))
    lexical = lexical_polarity(features)
    score = expected if lexical == 0.0 else (1.0 - lexical_weight) * expected + lexical_weight * lexical
    return float(np.clip(score, -1.0, 1.0))
