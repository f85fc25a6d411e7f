"""An LRU cache in front of query embeddings: contact-centre traffic repeats itself ("agent", "STOP")."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from relaydesk.embedding.base import Embedder


class CachedQueryEmbedder:
    def __init__(self, inner: Embedder, capacity: int = 4096) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.dim = inner.dim
        self._capacity = capacity
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        missing: dict[str, list[int]] = {}
        for i, text in enumerate(texts):
            vec = self._cache.get(text)
            if vec is None:
                missing.setdefault(text, []).append(i)
            else:
                self._cache.move_to_end(text)
                out[i] = vec
                self.hits += 1
        if missing:
            keys = list(missing)
            vecs = self.inner.embed_queries(keys)
            for key, vec in zip(keys, vecs, strict=True):
                for i in missing[key]:
                    out[i] = vec
                self._remember(key, vec)
            self.misses += len(keys)
        return out

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.embed_passages(texts)

    def _remember(self, key: str, vec: np.ndarray) -> None:
        self._cache[key] = vec
        if len(self._cache) > self._capacity:
            self._cache.popitem(last=False)
