"""Turns to vectors, the same way for tenant examples and live turns.

A turn is normalised (`normalize_text`) and embedded as a query. When it contains domain words from the
glossary, the mean embedding of their English glosses is added with weight `gloss_weight` and the sum is
re-normalised: "退款到哪了" then sits near "where is my refund", which a tenant that wrote its intents in
English needs, because multilingual-e5-small aligns languages only loosely on very short texts. The gloss
vocabulary is small (about a hundred English words), so after warm-up the glosses cost no embedding calls.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from relaydesk.embedding.base import Embedder
from relaydesk.events import TurnAnnotated
from relaydesk.nlu.glossary import Glossary
from relaydesk.nlu.lang import turn_lang
from relaydesk.nlu.text import normalize_text


@dataclass(frozen=True)
class TurnEncoder:
    """The one place that decides how a turn becomes a vector. Intent encodes with it and publishes the
    vector on the turn; emotion, retrieval and the semantic cache reuse that vector."""

    embedder: Embedder
    glossary: Glossary | None = None
    max_chars: int = 300
    gloss_weight: float = 0.7
    _gloss_vectors: dict[str, np.ndarray] = field(default_factory=dict, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def model_id(self) -> str:
        # Not the embedder's own id: the vector is of the normalised text, mixed with glosses. A stage that
        # embeds raw text with the same embedder (retrieval) must not mistake one for the other.
        return f"{self.embedder.model_id}/turn-v1"

    @property
    def dim(self) -> int:
        return self.embedder.dim

    def prepare(self, text: str) -> str:
        return normalize_text(text, self.max_chars)

    def glosses(self, text: str, lang: str | None = None) -> list[str]:
        if self.glossary is None:
            return []
        # Short Latin turns ("produknya cacat", "unsub") give no language evidence: the Indonesian lists,
        # which include the English slang ones, are the safer guess, as English words gloss to English.
        return self.glossary.glosses(self.prepare(text), turn_lang(lang, text, default="id"))

    def encode(self, texts: Sequence[str], langs: Sequence[str | None] | None = None) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        chosen = langs if langs is not None else [None] * len(texts)
        vectors = np.asarray(self.embedder.embed_queries([self.prepare(t) for t in texts]), dtype=np.float32)
        if self.glossary is None or self.gloss_weight <= 0.0:
            return vectors
        found = [self.glosses(t, lang) for t, lang in zip(texts, chosen, strict=True)]
        self._warm({g for gs in found for g in gs})
        for i, gs in enumerate(found):
            if gs:
                mixed = vectors[i] + self.gloss_weight * np.mean([self._gloss_vectors[g] for g in gs], axis=0)
                vectors[i] = mixed / max(float(np.linalg.norm(mixed)), 1e-12)
        return vectors

    def turn_vectors(self, events: Sequence[TurnAnnotated]) -> tuple[np.ndarray, list[int]]:
        """One vector per turn: a published embedding made by this encoder is reused, the rest are embedded in
        one call. Also returns the rows embedded here."""
        out = np.zeros((len(events), self.dim), dtype=np.float32)
        missing: list[int] = []
        for i, event in enumerate(events):
            if event.embedding is not None and event.embedding.model == self.model_id:
                out[i] = event.embedding.vector()
            else:
                missing.append(i)
        if missing:
            out[missing] = self.encode([events[i].turn.text for i in missing], [events[i].turn.lang for i in missing])
        return out, missing

    def _warm(self, words: set[str]) -> None:
        with self._lock:
            missing = sorted(w for w in words if w not in self._gloss_vectors)
            if missing:
                for word, vec in zip(missing, self.embedder.embed_queries(missing), strict=True):
                    self._gloss_vectors[word] = np.asarray(vec, dtype=np.float32)
