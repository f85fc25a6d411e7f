"""Faust adapter of the knowledge processor: knowledge.updates -> chunk, embed, upsert -> knowledge.applied.

With the embedded Qdrant Edge store this worker owns the shard, so it also runs retrieval (agent and search
endpoint) over the same store object. With a Qdrant server, retrieval deploys separately."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import faust

from relaydesk.common.settings import KafkaSettings
from relaydesk.common.stage import Stage, install_stage
from relaydesk.common.topics import Topics
from relaydesk.common.worker import build_worker, route_by_type
from relaydesk.embedding import build_embedder
from relaydesk.events import KnowledgeApplied, KnowledgeUpdate
from relaydesk.knowledge import core
from relaydesk.knowledge.bootstrap import build_deps
from relaydesk.knowledge.config import KnowledgeSettings
from relaydesk.vectorstore import VectorStoreSettings, build_vector_store


def build_app(kafka: KafkaSettings | None = None) -> faust.App:
    settings = KnowledgeSettings()
    store_settings = VectorStoreSettings()
    store = build_vector_store(store_settings)
    embedder = build_embedder(settings.embedder_spec())
    deps = build_deps(settings, embedder=embedder, store=store)

    def stages(app: faust.App, kafka: KafkaSettings) -> list[Any]:
        stage = Stage(
            name="knowledge",
            input_topic=Topics.KNOWLEDGE_UPDATES,
            input_type=KnowledgeUpdate,
            handle_batch=lambda updates: core.handle_batch(cast(Sequence[KnowledgeUpdate], updates), deps),
            route=route_by_type({KnowledgeApplied: Topics.KNOWLEDGE_APPLIED}),
            batch_size=settings.batch_size,
            batch_within_s=settings.batch_within_s,
        )
        runners = [install_stage(app, stage, kafka)]
        if store_settings.backend == "edge":
            from relaydesk.retrieval import bootstrap as retrieval_bootstrap
            from relaydesk.retrieval.app import install_retrieval
            from relaydesk.retrieval.config import RetrievalSettings

            retrieval_settings = RetrievalSettings()
            retrieval_deps = retrieval_bootstrap.build_deps(retrieval_settings, store=store)
            runners.append(install_retrieval(app, kafka, retrieval_deps, retrieval_settings))
        return runners

    kafka = kafka or KafkaSettings()
    if settings.fetch_wait_ms is not None:
        kafka = kafka.model_copy(update={"fetch_wait_ms": settings.fetch_wait_ms})
    app = build_worker("knowledge", stages, kafka=kafka)

    @app.on_before_shutdown.connect
    async def _stop_indexer(sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        close = getattr(deps.dense_indexer, "close", None)  # the background dense backfill, when enabled
        if callable(close):
            close()
        store.close()

    return app
