"""The turn vector that intent publishes names its own recipe, so retrieval (raw text, same embedder) re-embeds."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from relaydesk.nlu.encoder import TurnEncoder


class _Embedder:
    model_id = "e5-test"
    dim = 4

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return np.ones((len(texts), self.dim), dtype=np.float32) / 2

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.embed_queries(texts)


def test_when_turn_encoder_names_its_vectors_then_not_the_raw_embedder_id() -> None:
    encoder = TurnEncoder(_Embedder())
    assert encoder.model_id != _Embedder.model_id
    assert encoder.model_id.startswith(_Embedder.model_id)
