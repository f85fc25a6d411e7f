"""Test helpers that talk to a real broker: read a topic until a condition holds, with a deadline."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from confluent_kafka import Consumer

from relaydesk.common.kafka import consumer_config
from relaydesk.common.settings import KafkaSettings


@dataclass
class Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: dict[str, bytes]


def read_topics(
    kafka: KafkaSettings,
    topics: Iterable[str],
    until: Callable[[list[Record]], bool],
    timeout_s: float = 30.0,
) -> list[Record]:
    """Consume `topics` (logical names) from the beginning until `until(records)` is true or time runs out."""
    consumer = Consumer(consumer_config(kafka, f"test-reader-{uuid.uuid4().hex[:8]}"))
    consumer.subscribe([kafka.topic(t) for t in topics])
    records: list[Record] = []
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline and not until(records):
            msg = consumer.poll(0.2)
            if msg is None or msg.error():
                continue
            records.append(
                Record(
                    topic=msg.topic().removeprefix(kafka.topic_prefix),
                    partition=msg.partition(),
                    offset=msg.offset(),
                    key=msg.key(),
                    value=msg.value() or b"",
                    headers={k: v or b"" for k, v in (msg.headers() or [])},
                )
            )
    finally:
        consumer.close()
    return records


def count_at_least(n: int, topic: str | None = None) -> Callable[[list[Record]], bool]:
    return lambda recs: len([r for r in recs if topic is None or r.topic == topic]) >= n
