"""Consumer lag: the arithmetic as a table, and the exporter against librdkafka's mock cluster (real offsets,
unlike the local Tansu broker, whose end offsets are wrong: NOTES.md)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from prometheus_client import CollectorRegistry, Gauge

from relaydesk.common.settings import KafkaSettings
from relaydesk.ops.lag import (
    LagExporter,
    LagExporterSettings,
    LagReader,
    PartitionOffsets,
    export,
    install_lag_exporter,
    partition_lag,
)


@pytest.mark.parametrize(
    ("committed", "low", "high", "lag"),
    [
        (None, 0, 0, 0),  # empty partition, nothing committed
        (None, 0, 10, 10),  # nothing committed: the group starts at the earliest record, so all 10 count
        (None, 4, 10, 6),  # nothing committed, retention removed 0..3: only what is retained counts
        (10, 0, 10, 0),  # caught up
        (7, 0, 10, 3),  # three records behind
        (2, 5, 10, 5),  # committed offset was deleted by retention: counts from the log start
        (12, 0, 10, 0),  # end offset read before a newer commit: never negative
        (-1001, 0, 10, 10),  # librdkafka's OFFSET_INVALID is "no commit"
    ],
)
def test_when_offsets_given_then_lag_is_the_records_left_to_read(
    committed: int | None, low: int, high: int, lag: int
) -> None:
    assert partition_lag(committed, low, high) == lag


def test_when_exported_then_the_gauge_has_one_series_per_partition() -> None:
    registry = CollectorRegistry()
    gauge = Gauge("lag", "test", ["group", "topic", "partition"], registry=registry)
    offsets = [PartitionOffsets("t", 0, 3, 0, 10), PartitionOffsets("t", 1, None, 0, 2)]
    assert export("g", offsets, gauge) == {("t", 0): 7, ("t", 1): 2}
    assert registry.get_sample_value("lag", {"group": "g", "topic": "t", "partition": "0"}) == 7
    assert registry.get_sample_value("lag", {"group": "g", "topic": "t", "partition": "1"}) == 2


@pytest.fixture
def mock_cluster() -> Iterator[tuple[Producer, str]]:
    # The mock cluster lives as long as the client that created it; it listens on a random loopback port.
    producer = Producer({"bootstrap.servers": "", "test.mock.num.brokers": 1, "log_level": 3})
    broker = next(iter(producer.list_topics(timeout=10).brokers.values()))
    yield producer, f"{broker.host}:{broker.port}"
    producer.flush(5)


def test_when_a_group_is_behind_then_the_exporter_sets_the_gauge_to_its_lag(
    mock_cluster: tuple[Producer, str],
) -> None:
    producer, bootstrap = mock_cluster
    topic, group = f"lag-{uuid.uuid4().hex[:8]}", f"g-{uuid.uuid4().hex[:8]}"
    for i in range(10):
        producer.produce(topic, value=b"x", key=str(i).encode(), partition=0)
    assert producer.flush(10) == 0
    kafka = KafkaSettings(bootstrap=bootstrap)
    committer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "log_level": 3})
    committer.commit(offsets=[TopicPartition(topic, 0, 4)], asynchronous=False)
    committer.close()

    registry = CollectorRegistry()
    gauge = Gauge("lag", "test", ["group", "topic", "partition"], registry=registry)
    exporter = LagExporter(LagReader(kafka, group, [topic], timeout_s=10), interval_s=0.05, gauge=gauge).start()
    try:
        deadline = time.monotonic() + 20
        while exporter.exports == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        exporter.stop()
    assert exporter.exports >= 1
    assert registry.get_sample_value("lag", {"group": group, "topic": topic, "partition": "0"}) == 6
    # every partition of the topic is reported, the untouched ones at 0
    partitions = producer.list_topics(topic, timeout=10).topics[topic].partitions
    for p in partitions:
        if p != 0:
            assert registry.get_sample_value("lag", {"group": group, "topic": topic, "partition": str(p)}) == 0


def test_when_the_topic_does_not_exist_then_nothing_is_exported(mock_cluster: tuple[Producer, str]) -> None:
    _, bootstrap = mock_cluster
    reader = LagReader(KafkaSettings(bootstrap=bootstrap), "g", [f"missing-{uuid.uuid4().hex[:8]}"], timeout_s=5)
    try:
        offsets = reader.read()
    finally:
        reader.close()
    # the mock cluster auto-creates topics on a metadata request, so an empty read or all-zero lags are both fine
    assert all(partition_lag(o.committed, o.low, o.high) == 0 for o in offsets)


def test_when_interval_is_zero_then_the_worker_gets_no_exporter() -> None:
    import faust

    app = faust.App(f"relaydesk-test-{uuid.uuid4().hex[:6]}")
    assert install_lag_exporter(app, KafkaSettings(), ["relaydesk.turns.raw"], LagExporterSettings(interval_s=0)) is None


def test_when_interval_set_then_the_exporter_reads_the_workers_own_group_and_prefixed_topics(
    mock_cluster: tuple[Producer, str],
) -> None:
    import faust

    _, bootstrap = mock_cluster
    app = faust.App("relaydesk-guard-prod")
    kafka = KafkaSettings(bootstrap=bootstrap, topic_prefix="prod.")
    exporter = install_lag_exporter(app, kafka, ["relaydesk.turns.raw"], LagExporterSettings(interval_s=5))
    assert exporter is not None
    try:
        # the Faust app id is the consumer group KEDA scales on (deploy chart: relaydesk.worker.consumerGroup)
        assert exporter.reader.group == "relaydesk-guard-prod"
        assert exporter.reader.topics == ["prod.relaydesk.turns.raw"]
    finally:
        exporter.reader.close()
