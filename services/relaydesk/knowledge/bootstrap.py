from __future__ import annotations

from relaydesk.embedding import Embedder, build_embedder
from relaydesk.knowledge.config import KnowledgeSettings
from relaydesk.knowledge.core import KnowledgeDeps
from relaydesk.knowledge.index import ensure_index
from relaydesk.vectorstore import VectorStore, build_vector_store


def build_deps(
    settings: KnowledgeSettings | None = None,
    embedder: Embedder | None = None,
    store: VectorStore | None = None,
) -> KnowledgeDeps:
    """Wire the knowledge core. In embedded mode pass the worker's one `store` to both this and
    `relaydesk.retrieval.bootstrap.build_deps` (a Qdrant Edge shard has one owner), but let each build its
    own embedder: a shared one would make queries wait behind passage batches.

    With `dense_mode=deferred` (the default) this starts the background dense indexer and re-queues chunks a
    previous process left without vectors; call `deps.dense_indexer.close()` on shutdown."""
    settings = settings or KnowledgeSettings()
    embedder = embedder or build_embedder(settings.embedder_spec())
    store = store or build_vector_store()
    collections = ensure_index(store, embedder.dim, settings.collections())
    encoder = settings.encoder()
    indexer = None
    if settings.dense_mode == "deferred":
        from relaydesk.knowledge.adapters.dense_backfill import BackgroundDenseIndexer

        indexer = BackgroundDenseIndexer(store, embedder, encoder, batch_size=settings.dense_batch_size)
        indexer.recover(collections.chunks)
        indexer.recover(collections.units, sparse=False)
    return KnowledgeDeps(
        store=store,
        embedder=embedder,
        collections=collections,
        chunking=settings.chunking(),
        encoder=encoder,
        dense_indexer=indexer,
    )
