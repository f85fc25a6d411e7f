"""Sentence similarity from the stage's embedder: the turn's query vector (computed once upstream) against
passage vectors of the retrieved sentences. Popular questions retrieve the same chunks again and again, so
sentence vectors are kept in a bounded LRU; the embedder is built on first use."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence

import numpy as np

from relaydesk.embedding import Embedder


class EmbedderSentenceScorer:
    """`embedder`, or `factory` to build it on first use. A turn embedded by another model gets no scores."""

    def __init__(
        self, embedder: Embedder | None = None, factory: Callable[[], Embedder] | None = None, capacity: int = 8192
    ) -> None:
        if embedder is None and factory is None:
            raise ValueError("give an embedder or a factory")
        self._embedder = embedder
        self._factory = factory
        self._capacity = capacity
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def _get(self) -> Embedder:
        if self._embedder is None:
            assert self._factory is not None
            self._embedder = self._factory()
        return self._embedder

    def similarities(
        self, query_vector: np.ndarray, query_model: str, sentences: Sequence[str], query_text: str | None = None
    ) -> np.ndarray | None:
        with self._lock:  # one embedder call at a time; the LRU is shared by concurrent turns
            return self._similarities(query_vector, query_model, sentences, query_text)

    def _similarities(
        self, query_vector: np.ndarray, query_model: str, sentences: Sequence[str], query_text: str | None
    ) -> np.ndarray | None:
        embedder = self._get()
        if embedder.model_id != query_model:
            # The turn's vector is another model's (the NLU encoder's gloss-mixed `/turn-v1` vector): embed
            # the question as a query here, one call of about 20-40 ms.
            if not query_text:
                return None
            query_vector = np.asarray(embedder.embed_queries([query_text])[0], dtype=np.float32)
        missing = [s for s in dict.fromkeys(sentences) if s not in self._vectors]
        if missing:
            for text, vec in zip(missing, embedder.embed_passages(missing), strict=True):
                self._vectors[text] = np.asarray(vec, dtype=np.float32)
        rows = []
        for s in sentences:
            self._vectors.move_to_end(s)
            rows.append(self._vectors[s])
        while len(self._vectors) > self._capacity:
            self._vectors.popitem(last=False)
        query = np.asarray(query_vector, dtype=np.float32)
        return np.stack(rows) @ query if rows else np.zeros(0, dtype=np.float32)
