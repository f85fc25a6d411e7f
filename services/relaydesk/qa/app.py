"""Faust adapter of the QA processor: the conversation's events (annotated customer turns, replies, hand-offs,
compliance audit records, state changes, and its own scores read back) -> transcripts in a Faust table ->
`qa.scored` when a conversation closes by state, or from the idle sweep (a Faust timer)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import faust

from relaydesk.common import metrics, serde
from relaydesk.common.settings import KafkaSettings
from relaydesk.common.stage import Stage, install_stage, key_for
from relaydesk.common.topics import Topics
from relaydesk.common.tracing import inject_headers
from relaydesk.common.worker import build_worker, route_by_type
from relaydesk.events import (
    ComplianceAudit,
    ConversationState,
    Envelope,
    Handoff,
    QaScored,
    Reply,
    TurnAnnotated,
)
from relaydesk.qa import core
from relaydesk.qa.adapters.table_store import TableTranscriptStore
from relaydesk.qa.bootstrap import build_deps
from relaydesk.qa.config import QaSettings

log = logging.getLogger(__name__)

# (stage name, input topic, event type). Every input is keyed by conversation id with the same partition
# count, so one conversation's events and its transcript row share a partition.
INPUTS: tuple[tuple[str, str, type[Envelope]], ...] = (
    ("qa-turns", Topics.TURNS_CONTEXT, TurnAnnotated),
    ("qa-replies", Topics.REPLIES, Reply),
    ("qa-handoffs", Topics.HANDOFFS, Handoff),
    ("qa-audit", Topics.COMPLIANCE_AUDIT, ComplianceAudit),
    ("qa-state", Topics.CONVERSATION_STATE, ConversationState),
    ("qa-scored", Topics.QA_SCORED, QaScored),
)


def build_app(kafka: KafkaSettings | None = None) -> faust.App:
    settings = QaSettings()
    holder: dict[str, Any] = {}

    def stages(app: faust.App, kafka: KafkaSettings) -> list[Any]:
        table = app.Table("qa-transcripts", default=dict, partitions=kafka.partitions, key_type=str)
        store = TableTranscriptStore(table)
        deps = build_deps(settings, store)
        holder["deps"] = deps

        def after_record(record: Any, event: Envelope, outputs: Sequence[Envelope]) -> None:
            store.flush(record, event.conversation_id or "")

        runners = []
        for name, topic, event_type in INPUTS:
            stage = Stage(
                name=name,
                input_topic=topic,
                input_type=event_type,
                handle_batch=lambda events: [core.handle(e, deps) for e in events],
                route=route_by_type({QaScored: Topics.QA_SCORED}),
                # On the event loop: the six inputs share the transcripts, so their handlers must not interleave.
                run_in_thread=False,
                after_record=after_record,
            )
            runners.append(install_stage(app, stage, kafka))

        @app.timer(interval=settings.sweep_interval_s)
        async def close_idle() -> None:
            for scored in core.close_idle(deps):
                value = serde.serialize(scored)
                await app.producer.send(
                    kafka.topic(Topics.QA_SCORED), key_for(scored), value, None, None, inject_headers()
                )
                metrics.OUTPUTS.labels("qa-idle", Topics.QA_SCORED).inc()
                log.info("scored idle conversation %s (%s)", scored.conversation_id, scored.rubric_version)

        return runners

    def apply_config(config: Any) -> None:
        core.apply_tenant_config(config, holder["deps"])

    return build_worker("qa", stages, apply_config=apply_config, with_tables=True, kafka=kafka)
