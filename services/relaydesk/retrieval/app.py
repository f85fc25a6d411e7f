"""Faust adapter of retrieval: turns.emotion -> hybrid search -> turns.context, and the search endpoint the
gateway proxies (`GET /search?tenant=&q=&k=` on the worker's web port, with the internal service token in
`X-Relaydesk-Internal-Token`; see common/internal_auth.py).

With a Qdrant server, `relaydesk worker retrieval` runs this alone and scales on its own. With the embedded
Qdrant Edge (one process owns a shard), the knowledge worker installs it next to the knowledge agent."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Sequence
from typing import Any, cast

import faust

from relaydesk.common.internal_auth import HEADER, internal_token, token_matches
from relaydesk.common.settings import KafkaSettings
from relaydesk.common.stage import Stage, StageRunner, install_stage
from relaydesk.common.topics import Topics
from relaydesk.common.worker import build_worker, route_by_type
from relaydesk.events import TurnAnnotated
from relaydesk.retrieval import core
from relaydesk.retrieval.config import RetrievalSettings
from relaydesk.retrieval.core import RetrievalDeps
from relaydesk.retrieval.fault_switch import StoreOutage, faults_enabled
from relaydesk.vectorstore import VectorStore, VectorStoreError, VectorStoreSettings

MAX_K = 50

log = logging.getLogger(__name__)


def install_retrieval(
    app: faust.App, kafka: KafkaSettings, deps: RetrievalDeps, settings: RetrievalSettings
) -> StageRunner:
    outage: StoreOutage | None = None
    if faults_enabled():
        outage = StoreOutage(deps.store)
        deps = dataclasses.replace(deps, store=cast(VectorStore, outage))
    stage = Stage(
        name="retrieval",
        input_topic=Topics.TURNS_EMOTION,
        input_type=TurnAnnotated,
        handle_batch=lambda events: core.handle_batch(cast(Sequence[TurnAnnotated], events), deps),
        route=route_by_type({TurnAnnotated: Topics.TURNS_CONTEXT}),
        batch_size=settings.batch_size,
        batch_within_s=settings.batch_within_s,
    )
    runner = install_stage(app, stage, kafka)

    token = internal_token()
    if outage is not None:
        _install_outage_switch(app, outage, token)

    @app.page("/search")
    async def search(self: Any, request: Any) -> Any:
        # Returns a tenant's knowledge for any tenant named in the query, so only the stack's own parts (the
        # gateway, which took the tenant from the caller's API key) may call it. No token configured: closed.
        if not token_matches(request.headers.get(HEADER), token):
            return self.json({"error": "internal endpoint: a valid internal service token is required"}, status=401)
        tenant = request.query.get("tenant", "")
        query = request.query.get("q", "")
        try:
            k = max(1, min(MAX_K, int(request.query.get("k", "5"))))
        except ValueError:
            return self.json({"error": "k must be an integer"}, status=400)
        if not tenant or not query:
            return self.json({"error": "tenant and q are required"}, status=400)
        mode = request.query.get("mode") or None
        if mode not in (None, "hybrid", "dense", "sparse"):
            return self.json({"error": "mode must be hybrid, dense or sparse"}, status=400)
        try:
            result = await asyncio.to_thread(core.search, tenant, query, k, deps, mode)
        except VectorStoreError as exc:
            log.warning("search: vector store error %s", type(exc).__name__)
            return self.json({"error": "vector store unavailable"}, status=503)
        return self.json(result.to_json())

    return runner


def _install_outage_switch(app: faust.App, outage: StoreOutage, token: str | None) -> None:
    """`POST /internal/faults/vectorstore?down_for_s=N` (N=0 restores), internal token required."""

    @app.page("/internal/faults/vectorstore")
    class VectorStoreFault(faust.web.View):
        async def post(self, request: Any) -> Any:
            if not token_matches(request.headers.get(HEADER), token):
                return self.json({"error": "a valid internal service token is required"}, status=401)
            try:
                seconds = float(request.query.get("down_for_s", "0"))
            except ValueError:
                return self.json({"error": "down_for_s must be a number"}, status=400)
            applied = outage.down_for(seconds)
            log.warning("vector store outage switch: down for %.0fs", applied)
            return self.json({"down": outage.down, "down_for_s": applied})

        async def get(self, request: Any) -> Any:
            if not token_matches(request.headers.get(HEADER), token):
                return self.json({"error": "a valid internal service token is required"}, status=401)
            return self.json({"down": outage.down, "remaining_s": round(outage.remaining_s(), 1)})


def build_app(kafka: KafkaSettings | None = None) -> faust.App:
    if VectorStoreSettings().backend == "edge":
        raise SystemExit(
            "retrieval runs inside the knowledge worker with the embedded Qdrant Edge store; "
            "run `relaydesk worker knowledge`, or set RELAYDESK_VECTORSTORE_BACKEND=qdrant"
        )
    from relaydesk.retrieval.bootstrap import build_deps

    settings = RetrievalSettings()
    deps = build_deps(settings)
    return build_worker("retrieval", lambda app, k: [install_retrieval(app, k, deps, settings)], kafka=kafka)
