"""Faust adapter of the inbound guard: turns.raw -> guard core -> turns.guarded (redacted), compliance.audit,
and, for tenants that retain raw text, their restricted archive topic."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any, cast

import faust

from relaydesk.common.kafka import ensure_topics
from relaydesk.common.settings import KafkaSettings
from relaydesk.common.stage import Stage, install_stage
from relaydesk.common.topics import Topics, TopicSpec
from relaydesk.common.worker import build_worker
from relaydesk.events import ComplianceAudit, ConversationTurn, Envelope, TenantConfig, TurnAnnotated
from relaydesk.events.consent import ConsentEvent
from relaydesk.guard import core
from relaydesk.guard.bootstrap import build_deps
from relaydesk.guard.config import GuardSettings
from relaydesk.guard.tenants import set_topic_retention

log = logging.getLogger(__name__)

DEFAULT_RAW_RETENTION_MS = 3_600_000


def archive_topic(tenant_id: str) -> str:
    return f"{Topics.TURNS_RAW}.archive.{tenant_id}"


class RawArchive:
    """Per-tenant restricted topics for raw turns, created on first use with the tenant's retention."""

    def __init__(self, kafka: KafkaSettings) -> None:
        self.kafka = kafka
        self._retention: dict[str, int] = {}
        self._created: set[str] = set()
        self._lock = threading.Lock()

    def configure(self, config: TenantConfig) -> None:
        with self._lock:
            changed = self._retention.get(config.tenant_id) != config.raw_retention_ms
            self._retention[config.tenant_id] = config.raw_retention_ms
            topic = archive_topic(config.tenant_id)
            if changed and topic in self._created:  # a retention change reaches the existing archive topic
                set_topic_retention(self.kafka, topic, config.raw_retention_ms)

    def topic_for(self, tenant_id: str) -> str:
        topic = archive_topic(tenant_id)
        with self._lock:
            if topic not in self._created:
                retention = self._retention.get(tenant_id, DEFAULT_RAW_RETENTION_MS)
                spec = TopicSpec(topic, "conversation.turn", "conversation_id", partitions=1,
                                 config={"retention.ms": str(retention)}, restricted=True)
                ensure_topics(self.kafka, [spec])
                # an archive created by an earlier process keeps the retention it was created with
                set_topic_retention(self.kafka, topic, retention)
                self._created.add(topic)
        return topic


class GuardAdapter:
    """The guard's Faust-side wiring, shared by its own worker and by the local stack's guard-nlu process: the core
    over a batch, where each output goes, and tenant-config reloads (retention of the raw archive included)."""

    def __init__(self, kafka: KafkaSettings, deps: Any = None, settings: GuardSettings | None = None) -> None:
        self.settings = settings or GuardSettings()
        self.deps = deps or build_deps(self.settings)
        self.archive = RawArchive(kafka)

    def handle_batch(self, events: Sequence[Envelope]) -> list[list[Envelope]]:
        return core.handle_batch(cast(Sequence[ConversationTurn], events), self.deps)

    def route(self, event: Envelope, turns_topic: str = Topics.TURNS_GUARDED) -> str:
        """`turns_topic`: where guarded turns go (the guard's own topic, or the next stage's in guard-nlu)."""
        if isinstance(event, TurnAnnotated):
            return turns_topic
        if isinstance(event, ComplianceAudit):
            return Topics.COMPLIANCE_AUDIT
        if isinstance(event, ConsentEvent):
            return Topics.CONSENT_LEDGER
        if isinstance(event, ConversationTurn):
            return self.archive.topic_for(event.tenant_id)
        raise KeyError(f"no route for {type(event).__name__}")

    def apply_config(self, config: TenantConfig) -> None:
        self.archive.configure(config)
        core.apply_tenant_config(config, self.deps)


def build_app(kafka: KafkaSettings | None = None, deps: Any = None) -> faust.App:
    kafka_settings = kafka or KafkaSettings()
    guard = GuardAdapter(kafka_settings, deps)

    def stages(app: faust.App, kafka: KafkaSettings) -> list[Any]:
        stage = Stage(
            name="guard",
            input_topic=Topics.TURNS_RAW,
            input_type=ConversationTurn,
            handle_batch=guard.handle_batch,
            route=guard.route,
            batch_size=guard.settings.batch_size,
            batch_within_s=guard.settings.batch_within_s,
        )
        return [install_stage(app, stage, kafka)]

    return build_worker("guard", stages, apply_config=guard.apply_config, kafka=kafka_settings)
