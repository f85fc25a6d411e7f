from __future__ import annotations

from relaydesk.embedding import Embedder, build_embedder
from relaydesk.knowledge.index import Collections, ensure_index
from relaydesk.retrieval.config import RetrievalSettings
from relaydesk.retrieval.core import RetrievalDeps
from relaydesk.retrieval.fusion import FusionConfig
from relaydesk.retrieval.result_cache import ResultCache
from relaydesk.vectorstore import VectorStore, build_vector_store


def build_deps(
    settings: RetrievalSettings | None = None,
    embedder: Embedder | None = None,
    store: VectorStore | None = None,
) -> RetrievalDeps:
    """Wire the retrieval core. In embedded mode pass the worker's one `store` (shared with knowledge)."""
    settings = settings or RetrievalSettings()
    embedder = embedder or build_embedder(settings.embedder_spec())
    store = store or build_vector_store()
    collections = ensure_index(store, embedder.dim, settings.collections())
    return deps_for(settings, store, embedder, collections)


def deps_for(
    settings: RetrievalSettings, store: VectorStore, embedder: Embedder, collections: Collections
) -> RetrievalDeps:
    """The retrieval deps a configuration describes (also what `relaydesk eval retrieval` measures)."""
    return RetrievalDeps(
        store=store,
        embedder=embedder,
        collections=collections,
        k=settings.k,
        mode=settings.mode,
        prefetch_k=settings.prefetch_k,
        rrf_k=settings.rrf_k,
        dense_weight=settings.dense_weight,
        sparse_weight=settings.sparse_weight,
        fusion=settings.fusion,
        max_query_chars=settings.max_query_chars,
        fusion_config=FusionConfig(
            sparse_weight=settings.fusion_sparse_weight, sentence_weight=settings.sentence_weight,
            title_weight=settings.title_weight, rerank_depth=settings.rerank_depth,
            keep_dense_top=settings.keep_dense_top,
        ),
        units_per_doc=settings.units_per_doc,
        results=ResultCache(settings.result_cache_size, settings.result_cache_window_s)
        if settings.result_cache_size > 0 else None,
    )
