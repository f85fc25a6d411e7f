"""Prompt-injection scoring: the trained classifier for Latin-script text, the rules for every language.

`score` is on one scale for both: 0.5 is the decision threshold. The classifier's probability is mapped
piecewise-linearly so that its tuned threshold lands on 0.5; a rule hit scores `RULE_SCORE`.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from relaydesk.compliance.injection.model import FittedModel, load_or_train
from relaydesk.compliance.injection.normalise import normalise
from relaydesk.compliance.injection.rules import match_rules
from relaydesk.compliance.lang import guess_lang

RULE_SCORE = 0.95
CLASSIFIER_REASON = "classifier"


@dataclass(frozen=True)
class InjectionResult:
    attack: bool
    score: float
    reasons: list[str] = field(default_factory=list)


def calibrate(probability: float, threshold: float) -> float:
    """Map [0, threshold] onto [0, 0.5] and [threshold, 1] onto [0.5, 1]."""
    threshold = min(max(threshold, 1e-6), 1 - 1e-6)
    if probability < threshold:
        return 0.5 * probability / threshold
    return min(1.0, 0.5 + 0.5 * (probability - threshold) / (1 - threshold))


class InjectionDetector:
    def __init__(self, model: FittedModel | None) -> None:
        # None runs the rules alone (a deployment without the training data, or a unit test of the rules).
        self.model = model

    @property
    def threshold(self) -> float | None:
        return self.model.threshold if self.model else None

    def score(self, text: str) -> InjectionResult:
        return self.score_batch([text])[0]

    def score_batch(self, texts: Sequence[str]) -> list[InjectionResult]:
        norm = [normalise(t) for t in texts]
        # The classifier learned English: on Chinese or Japanese its n-grams are unseen and its output is its
        # bias, and Indonesian customer messages look to it like obfuscated attacks. Only the rules speak there.
        use_model = [bool(self.model) and bool(t) and guess_lang(t) == "en" for t in norm]
        probs: dict[int, float] = {}
        if self.model is not None:
            idx = [i for i, ok in enumerate(use_model) if ok]
            for i, p in zip(idx, self.model.proba([norm[i] for i in idx]), strict=True):
                probs[i] = calibrate(float(p), self.model.threshold)
        out: list[InjectionResult] = []
        for i, text in enumerate(norm):
            rules = match_rules(text)
            model_score = probs.get(i, 0.0)
            reasons = ([CLASSIFIER_REASON] if model_score >= 0.5 else []) + [f"rule:{r}" for r in rules]
            final = max(model_score, RULE_SCORE if rules else 0.0)
            out.append(InjectionResult(attack=final >= 0.5, score=round(final, 4), reasons=reasons))
        return out


_shared: InjectionDetector | None = None
_shared_lock = threading.Lock()


def get_detector(cache_dir: Path | None = None) -> InjectionDetector:
    """The process-wide detector; trains the classifier on first use if no cached model matches."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = InjectionDetector(load_or_train(cache_dir))
        return _shared


def score(text: str) -> InjectionResult:
    return get_detector().score(text)
