"""Faust adapter of the outbound compliance filter: replies.draft -> compliance core -> replies, audit, review,
hand-offs and retractions of streamed text; and replies.partial -> the hold-back window (compliance.streaming)
-> replies.stream, the only streamed text customers see."""

from __future__ import annotations

from typing import Any

import faust

from relaydesk.common.settings import KafkaSettings
from relaydesk.common.stage import Stage, install_stage
from relaydesk.common.topics import Topics
from relaydesk.common.worker import as_batch, build_worker, route_by_type
from relaydesk.compliance import core, streaming
from relaydesk.compliance.bootstrap import build_deps
from relaydesk.compliance.config import ComplianceSettings
from relaydesk.events import (
    ComplianceAudit,
    ComplianceReview,
    Envelope,
    Handoff,
    Reply,
    ReplyDraft,
    ReplyPartial,
    ReplyStreamChunk,
)

ROUTES: dict[type[Envelope], str] = {
    Reply: Topics.REPLIES,
    ComplianceAudit: Topics.COMPLIANCE_AUDIT,
    ComplianceReview: Topics.COMPLIANCE_REVIEW,
    Handoff: Topics.HANDOFFS,
    ReplyPartial: Topics.REPLIES_PARTIAL,
}


def build_app(kafka: KafkaSettings | None = None, deps: Any = None, *, chained: Any = None) -> faust.App:
    """`chained` (reply/app.py): told the compliance stage's `submit`, to check generated drafts on its thread."""
    settings = ComplianceSettings()
    deps = deps or build_deps(settings)

    def stages(app: faust.App, kafka: KafkaSettings) -> list[Any]:
        handle_batch = getattr(core, "handle_batch", None)
        stage = Stage(
            name="compliance",
            input_topic=Topics.REPLIES_DRAFT,
            input_type=ReplyDraft,
            handle_batch=(lambda events: handle_batch(events, deps)) if handle_batch else as_batch(core.handle, deps),
            route=route_by_type(ROUTES),
            batch_size=settings.batch_size,
            batch_within_s=settings.batch_within_s,
        )
        stream_deps = streaming.StreamDeps(
            redactor=deps.redactor, tenants=deps.tenants, names=bool(settings.ner_entities)
        )
        # Its own stage (and core thread): a long draft check never holds up the tokens of other replies.
        stream_stage = Stage(
            name="compliance-stream",
            input_topic=Topics.REPLIES_PARTIAL,
            input_type=ReplyPartial,
            handle_batch=as_batch(streaming.handle_partial, stream_deps),
            route=route_by_type({ReplyStreamChunk: Topics.REPLIES_STREAM}),
            batch_size=settings.batch_size,
            batch_within_s=settings.batch_within_s,
        )
        runner = install_stage(app, stage, kafka)
        if chained is not None:
            chained.submit = runner.submit
        return [runner, install_stage(app, stream_stage, kafka)]

    return build_worker(
        "compliance", stages, apply_config=lambda cfg: core.apply_tenant_config(cfg, deps), kafka=kafka
    )
