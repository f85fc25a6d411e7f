"""Wire the generation core's adapters. Every adapter is a parameter; the defaults are production's."""

from __future__ import annotations

from relaydesk.generation.config import GenerationSettings
from relaydesk.generation.core import GenerationDeps
from relaydesk.generation.memory import InMemoryHistory
from relaydesk.generation.ports import CacheStore, Clock, ConversationHistory, PartialSink, SystemClock, TextGenerator
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
) -> GenerationDeps:
    """`generator`: default, the Serve application over HTTP at `settings.serve_url`.
    `cache`: default, `VectorStoreCache` on `vector_store` (default: `build_vector_store()`, which opens the
    process's Qdrant Edge store; pass the worker's shared store instead). Disabled by `cache_enabled=False`.
    `partials`: None disables streaming. `history`: default, in-memory (the worker passes a table)."""
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
    return GenerationDeps(
        generator=generator,
        history=history or InMemoryHistory(settings.history_max_turns),
        settings=settings,
        partials=partials,
        cache=cache if settings.cache_enabled else None,
        clock=clock or SystemClock(),
    )
