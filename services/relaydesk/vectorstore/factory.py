from __future__ import annotations

from relaydesk.vectorstore.base import VectorStore
from relaydesk.vectorstore.config import VectorStoreSettings


def build_vector_store(settings: VectorStoreSettings | None = None) -> VectorStore:
    """Open the configured store. Call it once per process and share the object: a Qdrant Edge shard can be
    opened by one owner only."""
    settings = settings or VectorStoreSettings()
    if settings.backend == "edge":
        from relaydesk.vectorstore.edge import EdgeVectorStore

        return EdgeVectorStore(settings.edge_dir())
    from relaydesk.vectorstore.qdrant_server import QdrantServerVectorStore

    key = settings.api_key.get_secret_value() if settings.api_key else None
    return QdrantServerVectorStore.connect(settings.url, key, settings.collection_prefix, settings.timeout_s)
