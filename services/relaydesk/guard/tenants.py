"""Per-tenant raw-text retention, hot-reloaded from `tenant.config`, and how it reaches the raw archive.

A tenant's archive is a restricted topic (guard/app.py). A change of its retention is written to the topic's
`retention.ms` (IncrementalAlterConfigs), which a Kafka cluster enforces. Some brokers do not enforce retention
(the local Tansu keeps everything), so the archive's one reader, `RawArchiveReader`, enforces it as well, per
record and against the tenant's current policy: a record older than the retention, or any record of a tenant
that no longer retains raw text, is never returned.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from confluent_kafka import KafkaException, Message
from confluent_kafka.admin import AlterConfigOpType, ConfigEntry, ConfigResource

from relaydesk.common import serde
from relaydesk.common.broadcast import BroadcastConsumer
from relaydesk.common.kafka import admin_client
from relaydesk.common.settings import KafkaSettings
from relaydesk.events import ConversationTurn, TenantConfig

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RawRetention:
    retain_raw: bool
    raw_retention_ms: int
    revision: int = 0


class RawRetentionPolicies:
    def __init__(self, default: RawRetention) -> None:
        self.default = default
        self._by_tenant: dict[str, RawRetention] = {}
        self._lock = threading.Lock()

    def get(self, tenant_id: str) -> RawRetention:
        """What the lead's adapter needs to route a retained raw turn (topic retention per tenant)."""
        return self._by_tenant.get(tenant_id, self.default)

    def apply(self, config: TenantConfig) -> bool:
        """Install the config's retention unless an equal or newer revision is in place (the tie rule of
        common/tenant_configs.py: revisions are broker offsets, so an equal one is the same record again)."""
        with self._lock:
            current = self._by_tenant.get(config.tenant_id)
            if current is not None and current.revision >= config.revision:
                return False
            self._by_tenant[config.tenant_id] = RawRetention(
                config.retain_raw, config.raw_retention_ms, config.revision
            )
            return True


def expired(record_ms: int, policy: RawRetention, now_ms: int) -> bool:
    """Whether an archived raw turn written at `record_ms` may no longer be read under `policy`."""
    return not policy.retain_raw or record_ms < now_ms - policy.raw_retention_ms


def set_topic_retention(kafka: KafkaSettings, topic: str, retention_ms: int, timeout_s: float = 10.0) -> bool:
    """Set `retention.ms` of an existing (logical) topic; False if the broker refused (reads still enforce it)."""
    resource = ConfigResource(
        ConfigResource.Type.TOPIC,
        kafka.topic(topic),
        incremental_configs=[
            ConfigEntry("retention.ms", str(retention_ms), incremental_operation=AlterConfigOpType.SET)
        ],
    )
    admin = admin_client(kafka)  # held until the result is in: a collected client cancels its requests
    try:
        admin.incremental_alter_configs([resource])[resource].result(timeout_s)
    except (KafkaException, TimeoutError) as exc:
        log.warning("retention of %s not altered: %s", topic, type(exc).__name__)
        return False
    return True


class RawArchiveReader:
    """Reads a tenant's raw archive, returning only what its current retention allows."""

    def __init__(
        self,
        kafka: KafkaSettings,
        policies: RawRetentionPolicies,
        topic_for: Callable[[str], str],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.kafka = kafka
        self.policies = policies
        self._topic_for = topic_for
        self._clock = clock

    def read(self, tenant_id: str, timeout_s: float = 30.0) -> list[ConversationTurn]:
        records: list[Message] = []
        consumer = BroadcastConsumer(
            self.kafka, (self._topic_for(tenant_id),), records.append, name=f"archive-{tenant_id}", marker=True
        ).start()
        try:
            if not consumer.wait_caught_up(timeout_s):
                raise TimeoutError(f"archive of {tenant_id} not read to its end within {timeout_s} s")
        finally:
            consumer.stop()
        policy = self.policies.get(tenant_id)
        now_ms = int(self._clock() * 1000)
        turns = []
        for msg in records:
            _, written_ms = msg.timestamp()
            if not msg.value() or expired(int(written_ms), policy, now_ms):
                continue
            turn = serde.deserialize(msg.value() or b"", ConversationTurn)
            if turn.tenant_id == tenant_id:
                turns.append(turn)
        return turns
