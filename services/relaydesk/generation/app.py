"""Faust adapter of generation: turns.context -> generation core (Ray Serve over HTTP, streaming partials) ->
replies.draft (+ handoffs).

Turns are pipelined: each starts as soon as it arrives, so the Serve replicas batch whatever is in flight and
a turn never waits for an unrelated slow one; one conversation's turns stay in order. Conversation history
lives in a Faust table. Approved replies (from `replies`) fill the semantic cache, and knowledge changes (from
`knowledge.applied`) invalidate it; every replica reads both in full."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any, Protocol

import faust
from confluent_kafka import Message
from pydantic_settings import BaseSettings, SettingsConfigDict

from relaydesk.common import serde
from relaydesk.common.dlq import failure_reason
from relaydesk.common.settings import KafkaSettings
from relaydesk.common.stage import Stage, install_stage, key_for
from relaydesk.common.tables import BufferedTable
from relaydesk.common.topics import Topics
from relaydesk.common.tracing import inject_headers
from relaydesk.common.two_speed import view_reader
from relaydesk.common.worker import build_worker, concurrent_by_conversation, route_by_type
from relaydesk.events import (
    ConversationState,
    Envelope,
    Handoff,
    KnowledgeApplied,
    Reply,
    ReplyDraft,
    ReplyPartial,
    TurnAnnotated,
)
from relaydesk.generation import core
from relaydesk.generation.bootstrap import build_deps
from relaydesk.generation.config import GenerationSettings
from relaydesk.generation.fallback import record_fallback
from relaydesk.generation.holds import TableHolds
from relaydesk.generation.memory import TableHistory

log = logging.getLogger(__name__)


class GenerationWorkerSettings(BaseSettings):
    """The Faust side of generation: how many turns may be generating at once in this worker. Each starts
    as soon as it arrives (the Serve replicas batch whatever is in flight); one conversation's turns wait for
    each other."""

    model_config = SettingsConfigDict(env_prefix="RELAYDESK_GENERATION_WORKER_", frozen=True)

    max_in_flight: int = 8


class KafkaPartialSink:
    """Streams token deltas to `replies.partial`, keyed by conversation id (so they stay in order)."""

    def __init__(self, app: faust.App, kafka: KafkaSettings) -> None:
        self.app = app
        self.topic = kafka.topic(Topics.REPLIES_PARTIAL)

    async def emit(self, partial: ReplyPartial) -> None:
        fut = await self.app.producer.send(self.topic, key_for(partial), serde.serialize(partial), None, None,
                                           inject_headers())
        await fut


def _apply(fn: Any, config: Any, deps: Any) -> None:
    fn(config, deps)


class DraftChain(Protocol):
    """What checks drafts in this process before they leave (reply/app.py), and where its outputs go."""

    routes: dict[type[Envelope], str]

    def wrap(self, handle: Any) -> Any: ...


def build_app(kafka: KafkaSettings | None = None, *, check_drafts: DraftChain | None = None) -> faust.App:
    """With `check_drafts`, drafts leave checked, as replies (the reply worker); without, on replies.draft."""
    settings = GenerationSettings()
    worker = GenerationWorkerSettings()
    kafka_settings = kafka or KafkaSettings()
    holder: dict[str, Any] = {}

    def stages(app: faust.App, kafka: KafkaSettings) -> list[Any]:
        table = BufferedTable(
            app.Table("generation-history", default=list, partitions=kafka.partitions, key_type=str)
        )
        history = TableHistory(table, settings.history_max_turns)
        deps = build_deps(
            settings,
            partials=KafkaPartialSink(app, kafka),
            history=history,
        )
        # Who holds each conversation (bot silence), copied from conversation.state, co-partitioned with turns.
        holds_table = BufferedTable(
            app.Table("generation-holds", default=dict, partitions=kafka.partitions, key_type=str)
        )
        holds = TableHolds(holds_table)
        deps.holds = holds
        holder["deps"] = deps

        def after_record(record: Any, event: Envelope, outputs: Sequence[Envelope]) -> None:
            history.flush(record, event.conversation_id or "")
            holds_table.flush(record, event.conversation_id or "")
            if "consumer" in holder:  # a reply is on its way: the cache and history read it at the busy pace
                holder["consumer"].wake()

        def apply_states(events: Sequence[Envelope]) -> list[list[Envelope]]:
            for state in events:
                assert isinstance(state, ConversationState)
                holds.apply(state.conversation_id, state.state, state.revision)
            return [[] for _ in events]

        holds_stage = Stage(
            name="generation-holds",
            input_topic=Topics.CONVERSATION_STATE,
            input_type=ConversationState,
            handle_batch=apply_states,
            route=route_by_type({}),
            run_in_thread=False,  # the holds table is also read by the generation core on the event loop
            after_record=lambda record, event, _: holds_table.flush(record, event.conversation_id or ""),
        )

        handle = concurrent_by_conversation(core.handle, deps)
        routes: dict[type[Envelope], str] = {ReplyDraft: Topics.REPLIES_DRAFT, Handoff: Topics.HANDOFFS}
        stage = Stage(
            name="generation",
            input_topic=Topics.TURNS_CONTEXT,
            input_type=TurnAnnotated,
            handle_batch=handle if check_drafts is None else check_drafts.wrap(handle),
            route=route_by_type(routes if check_drafts is None else {**routes, **check_drafts.routes}),
            pipelined=True,
            max_in_flight=worker.max_in_flight,
            after_record=after_record,
            # The core has its own deadlines and fallbacks; a retry here would only delay the customer.
            max_attempts=1,
        )
        runner = install_stage(app, stage, kafka)
        install_stage(app, holds_stage, kafka)

        @app.task
        async def follow_replies_and_knowledge() -> None:
            loop = asyncio.get_running_loop()

            def on_record(msg: Message) -> None:
                event: Envelope = serde.deserialize(msg.value() or b"")
                if isinstance(event, Reply):
                    coro = core.on_reply(event, deps)
                elif isinstance(event, KnowledgeApplied):
                    coro = core.on_knowledge_applied(event, deps)
                else:
                    return
                try:
                    asyncio.run_coroutine_threadsafe(coro, loop).result(timeout=30)
                except Exception as exc:  # the cache is an optimisation: log and carry on
                    record_fallback("broadcast_update")  # the cache or history missed this reply or change
                    log.warning("cache update failed for %s: %s", event.event_id, failure_reason(exc))

            # A cached reply is only reused while its documents' versions match the turn's retrieval (cache.py),
            # so a change read one idle fetch late cannot bring back a stale answer.
            holder["consumer"] = view_reader(
                kafka, (Topics.REPLIES, Topics.KNOWLEDGE_APPLIED), on_record, name="generation-cache", fetch_wait_ms=100
            ).start()

        return [runner]

    return build_worker(
        "generation",
        stages,
        apply_config=lambda cfg: _apply(core.apply_tenant_config, cfg, holder["deps"]),
        with_tables=True,
        kafka=kafka_settings,
    )
