"""Wire the generation core's adapters. Every adapter is a parameter; the defaults are production's."""

from __future__ import annotations

from relaydesk.embedding import Embedder
from relaydesk.generation.config import GenerationSettings
from relaydesk.generation.core import GenerationDeps
from relaydesk.generation.memory import InMemoryHistory
from relaydesk.generation.ports import (
    CacheStore,
    Clock,
    ConversationHistory,
    PartialSink,
    SentenceScorer,
    SystemClock,
    TextGenerator,
)
from relaydesk.vectorstore import VectorStore


def build_deps(
    settings: GenerationSettings | None = None,
    *,
    generator: TextGenerator | None = None,
    cache: CacheStore | None = None,
    vector_store: VectorStore | None = None,
    partials: PartialSink | None = None,
    history: ConversationHistory | None = None,
    clock: Clock | None = None,
    sentence_scorer: SentenceScorer | None = None,
) -> GenerationDeps:
    """`generator`: default, the Serve application over HTTP at `settings.serve_url`.
    `cache`: default, `VectorStoreCache` on `vector_store` (default: `build_vector_store()`, which opens the
    process's Qdrant Edge store; pass the worker's shared store instead). Disabled by `cache_enabled=False`.
    `partials`: None disables streaming. `history`: default, in-memory (the worker passes a table).
    `sentence_scorer`: default, the multilingual embedder (built on first use, one thread) unless
    `sentence_vectors="off"`; pass the process's embedder where it already has one."""
    settings = settings or GenerationSettings()
    if generator is None:
        from relaydesk.generation.adapters.serve_client import ServeHttpGenerator

        generator = ServeHttpGenerator(
            settings.serve_url,
            route_prefix=settings.route_prefix,
            connect_timeout_s=settings.connect_timeout_s,
            read_timeout_s=settings.first_token_timeout_s,
        )
    if cache is None and settings.cache_enabled:
        from relaydesk.generation.adapters.cache_store import VectorStoreCache

        if vector_store is None:
            from relaydesk.vectorstore import build_vector_store

            vector_store = build_vector_store()
        cache = VectorStoreCache(vector_store, settings.cache_collection, settings.cache_vector_dim)
    if sentence_scorer is None and settings.sentence_vectors != "off":
        from relaydesk.generation.adapters.sentence_scorer import EmbedderSentenceScorer

        sentence_scorer = EmbedderSentenceScorer(factory=_sentence_embedder)
    return GenerationDeps(
        generator=generator,
        history=history or InMemoryHistory(settings.history_max_turns),
        settings=settings,
        partials=partials,
        cache=cache if settings.cache_enabled else None,
        clock=clock or SystemClock(),
        sentence_scorer=sentence_scorer,
    )


def _sentence_embedder() -> Embedder:
    from relaydesk.embedding import EmbedderSpec, build_embedder

    return build_embedder(EmbedderSpec(num_threads=1, query_cache_size=0))
