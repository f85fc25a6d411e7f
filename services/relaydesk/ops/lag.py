"""Consumer lag: how many records a consumer group still has to read, per topic and partition.

Lag is the end offset of a partition minus the group's committed offset there. KEDA scales the workers on the
same figure; this module exports it as `relaydesk_consumer_lag` so that alerts and dashboards see what KEDA
sees. A worker runs it in a background thread (RELAYDESK_LAG_EXPORTER_INTERVAL_S > 0; the chart turns it on).
The local Tansu broker reports wrong end offsets (NOTES.md), so the local stack leaves it off.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from confluent_kafka import Consumer, TopicPartition
from prometheus_client import Gauge
from pydantic_settings import BaseSettings, SettingsConfigDict

from relaydesk.common.kafka import consumer_config
from relaydesk.common.metrics import CONSUMER_LAG
from relaydesk.common.settings import KafkaSettings

if TYPE_CHECKING:
    import faust

log = logging.getLogger(__name__)


class LagExporterSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RELAYDESK_LAG_EXPORTER_", frozen=True)

    # 0 turns the exporter off.
    interval_s: float = 0.0
    # Bound on each broker request, so a slow broker delays one export instead of hanging the thread.
    timeout_s: float = 10.0


@dataclass(frozen=True)
class PartitionOffsets:
    topic: str
    partition: int
    committed: int | None  # None: the group has committed nothing here
    low: int  # log start offset (first retained record)
    high: int  # end offset (the offset the next record will get)


def partition_lag(committed: int | None, low: int, high: int) -> int:
    """Records the group has not read yet in one partition.

    With no commit the group starts at the earliest retained record (KafkaSettings.auto_offset_reset), so
    everything retained counts. A commit below the log start (retention deleted what it pointed at) counts
    from the log start. Never negative: the end offset is read after the commit and can be the older figure.
    """
    start = low if committed is None or committed < 0 else max(committed, low)
    return max(0, high - start)


def lag_by_partition(offsets: Iterable[PartitionOffsets]) -> dict[tuple[str, int], int]:
    return {(o.topic, o.partition): partition_lag(o.committed, o.low, o.high) for o in offsets}


def export(group: str, offsets: Iterable[PartitionOffsets], gauge: Gauge = CONSUMER_LAG) -> dict[tuple[str, int], int]:
    """Sets the gauge for every partition read and returns the figures."""
    lags = lag_by_partition(offsets)
    for (topic, partition), lag in lags.items():
        gauge.labels(group, topic, str(partition)).set(lag)
    return lags


class LagReader:
    """Reads a group's committed offsets and its partitions' watermarks through one consumer that never joins
    the group (it only sends OffsetFetch, Metadata and ListOffsets), so reading lag causes no rebalance."""

    def __init__(self, kafka: KafkaSettings, group: str, topics: Sequence[str], timeout_s: float = 10.0) -> None:
        self.group = group
        self.topics = [kafka.topic(t) for t in topics]
        self._timeout_s = timeout_s
        self._consumer = Consumer(consumer_config(kafka, group, **{"enable.partition.eof": False}))

    def read(self) -> list[PartitionOffsets]:
        partitions: list[TopicPartition] = []
        for topic in self.topics:
            metadata = self._consumer.list_topics(topic, timeout=self._timeout_s).topics.get(topic)
            if metadata is None or metadata.error is not None:
                continue  # not created yet: nothing to be behind on
            partitions += [TopicPartition(topic, p) for p in sorted(metadata.partitions)]
        if not partitions:
            return []
        committed = self._consumer.committed(partitions, timeout=self._timeout_s)
        out = []
        for tp in committed:
            low, high = self._consumer.get_watermark_offsets(
                TopicPartition(tp.topic, tp.partition), timeout=self._timeout_s, cached=False
            )
            out.append(PartitionOffsets(tp.topic, tp.partition, tp.offset if tp.offset >= 0 else None, low, high))
        return out

    def close(self) -> None:
        self._consumer.close()


class LagExporter:
    """Exports one group's lag every `interval_s` seconds from a daemon thread until `stop`."""

    def __init__(self, reader: LagReader, interval_s: float, gauge: Gauge = CONSUMER_LAG) -> None:
        self.reader = reader
        self.interval_s = interval_s
        self._gauge = gauge
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lag-exporter-{reader.group}", daemon=True)
        self.exports = 0

    def export_once(self) -> dict[tuple[str, int], int]:
        lags = export(self.reader.group, self.reader.read(), self._gauge)
        self.exports += 1
        return lags

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.export_once()
            except Exception as exc:  # a broker hiccup must not end the thread; the next round retries
                log.warning("lag export for group %s failed: %s", self.reader.group, type(exc).__name__)
            self._stop.wait(self.interval_s)
        self.reader.close()

    def start(self) -> LagExporter:
        self._thread.start()
        return self

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout_s)


def install_lag_exporter(
    app: faust.App, kafka: KafkaSettings, topics: Sequence[str], settings: LagExporterSettings | None = None
) -> LagExporter | None:
    """Starts exporting the lag of the app's consumer group (the Faust app id) on `topics` once the worker has
    started, when RELAYDESK_LAG_EXPORTER_INTERVAL_S is above 0. Returns the exporter, or None when off."""
    settings = settings or LagExporterSettings()
    if settings.interval_s <= 0 or not topics:
        return None
    group = str(app.conf.id)
    exporter = LagExporter(LagReader(kafka, group, topics, settings.timeout_s), settings.interval_s)

    @app.task
    async def _start_lag_exporter() -> None:
        exporter.start()

    def _stop_lag_exporter(sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        exporter.stop()

    app.on_before_shutdown.connect(_stop_lag_exporter)
    return exporter
