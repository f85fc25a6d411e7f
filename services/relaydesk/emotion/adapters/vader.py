"""English polarity from vaderSentiment (MIT), a rule-based lexicon that knows intensifiers, negation,
capitals and punctuation. It scores about 0.2 ms a turn."""

from __future__ import annotations

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer


class VaderPolarity:
    def __init__(self) -> None:
        self._analyzer = SentimentIntensityAnalyzer()

    def __call__(self, text: str) -> tuple[float, float, float]:
        """(compound in [-1, 1], positive share, negative share)."""
        scores = self._analyzer.polarity_scores(text)
        return float(scores["compound"]), float(scores["pos"]), float(scores["neg"])
