"""Lexical features of a turn, next to its embedding: cue counts per emotion (words and emoji), negation,
sarcasm (a positive word next to a failure), punctuation, shouting, length, English polarity.

They carry what a sentence embedding of a two-character turn cannot ("气死了", "キモい", "ugh!!") and what
it smooths away (capitals, "?!", a trailing "..."). The text is read as written: NFKC and case-folded for
matching, with punctuation and emoji kept.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from relaydesk.emotion.lexicon import EmotionLexicon, TextView
from relaydesk.nlu.text import replace_placeholders

EMOTIONS_WITH_CUES: tuple[str, ...] = ("anger", "disgust", "fear", "joy", "sadness", "surprise")
FEATURE_NAMES: tuple[str, ...] = (
    *(f"cue_{e}" for e in EMOTIONS_WITH_CUES),
    "negation",
    "sarcasm",
    "exclaim",
    "question",
    "interrobang",
    "caps",
    "ellipsis",
    "length",
    "en_compound",
    "en_positive",
    "en_negative",
    "threat",
)

EnglishPolarity = Callable[[str], tuple[float, float, float]]

_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
_ELLIPSIS = re.compile(r"(\.\.\.|…|。。)")


@dataclass(frozen=True)
class LexicalFeatures:
    lexicon: EmotionLexicon
    english_polarity: EnglishPolarity | None = None

    def extract(self, text: str, lang: str) -> np.ndarray:
        raw = replace_placeholders(unicodedata.normalize("NFKC", text))
        view = TextView.of(raw.casefold())
        key = self.lexicon.for_lang(lang)
        cues = [min(self.lexicon.emotions[e][key].count(view), 3) for e in EMOTIONS_WITH_CUES]
        sarcasm = self.lexicon.sarcasm_markers[key].found(view) and self.lexicon.failure_context[key].found(view)
        words = _LATIN_WORD.findall(raw)
        caps = sum(1 for w in words if w.isupper()) / len(words) if words else 0.0
        polarity = (0.0, 0.0, 0.0)
        if self.english_polarity is not None and lang in ("en", "id"):
            polarity = self.english_polarity(raw)
        values = [
            *cues,
            float(self.lexicon.negation[key].found(view)),
            float(sarcasm),
            min(raw.count("!"), 3),
            min(raw.count("?"), 3),
            float("?!" in raw or "!?" in raw),
            caps,
            float(_ELLIPSIS.search(raw) is not None),
            math.log1p(len(raw)),
            *polarity,
            float(self.lexicon.threat(view) is not None),
        ]
        return np.asarray(values, dtype=np.float32)

    def extract_many(self, texts: Sequence[str], langs: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, len(FEATURE_NAMES)), dtype=np.float32)
        return np.stack([self.extract(t, lang) for t, lang in zip(texts, langs, strict=True)])
