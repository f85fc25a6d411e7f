"""The one ordering of tenant configurations, shared by every reader of the `tenant.config` topic.

A config's revision is the broker's: its record's offset + 1. The topic is keyed by tenant, so one tenant's
records sit on one partition, where offsets are a total order that every reader sees alike, whoever wrote the
record and whatever revision the writer guessed (two gateway replicas taking a PUT at the same moment used to
write the same revision, and readers broke the tie differently). The rule everywhere: a config replaces the
one in place only if its revision is greater; an equal revision is the same record read again.
"""

from __future__ import annotations

from confluent_kafka import Message

from relaydesk.common import serde
from relaydesk.events import TenantConfig

# Every process reads the topic all the time, and configs change at a person's pace: a 1 s parked fetch (Tansu
# answers it within about 0.15 s of a record at the median, docs/benchmarks.md) costs the broker a quarter of
# what a 250 ms one does. Start-up does not wait on it: readers catch up by markers.
CONFIG_FETCH_WAIT_MS = 1000


def revision_at(offset: int) -> int:
    return int(offset) + 1


def config_from_record(msg: Message) -> TenantConfig | None:
    """The config a `tenant.config` record holds, with its broker-assigned revision; None for a tombstone (a
    deleted tenant, or a reader's catch-up marker)."""
    value = msg.value()
    if not value:
        return None
    config = serde.deserialize(value, TenantConfig)
    return config.model_copy(update={"revision": revision_at(int(msg.offset() or 0))})


def supersedes(config: TenantConfig, current_revision: int | None) -> bool:
    """The tie rule: strictly newer wins; the same revision again is a replay and changes nothing."""
    return current_revision is None or config.revision > current_revision
