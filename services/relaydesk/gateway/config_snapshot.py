"""Tenant configs that outlive the local broker.

The local Tansu broker keeps everything in memory, so a restarted `relaydesk up` used to start with no tenant
config at all: a tenant that had opted out of raw retention was back to the default until it PUT its config
again. The gateway keeps the latest config per tenant in a private file in `$RELAYDESK_HOME` (only when told
to: a cluster's Kafka keeps the compacted topic itself), and `relaydesk up` publishes that file's configs back
onto the topic before any worker starts, so the workers' catch-up (common/worker.py) already sees them.
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

from relaydesk.common import serde
from relaydesk.common.kafka import produce_and_wait, sync_producer
from relaydesk.common.private_file import write_private_json
from relaydesk.common.settings import KafkaSettings
from relaydesk.common.topics import Topics
from relaydesk.events import TenantConfig

log = logging.getLogger(__name__)


class ConfigSnapshot:
    """The latest config per tenant, rewritten whole (0600) whenever one changes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def save(self, configs: dict[str, TenantConfig]) -> None:
        with self._lock:
            write_private_json(self.path, {"tenants": {t: serde.to_document(c) for t, c in sorted(configs.items())}})


def load_snapshot(path: Path) -> list[TenantConfig]:
    try:
        data = json.loads(path.read_text() or "{}")
    except FileNotFoundError:
        return []
    return [serde.from_document(doc, TenantConfig) for doc in data.get("tenants", {}).values()]


def republish(kafka: KafkaSettings, path: Path) -> int:
    """Publish the snapshot's configs onto the tenant-config topic; returns how many."""
    configs = load_snapshot(path)
    if not configs:
        return 0
    producer = sync_producer(kafka)
    for config in configs:
        produce_and_wait(producer, kafka.topic(Topics.TENANT_CONFIG), serde.serialize(config),
                         key=config.tenant_id.encode())
    log.info("tenant configs republished", extra={"count": len(configs)})
    return len(configs)
