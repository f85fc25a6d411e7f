"""What checking the contract costs per event: the compiled validator that judges every (de)serialise
(jsonschema-rs) against jsonschema, which did it before and now only words the errors, on the same documents in
the same run, with pydantic's validation and the JSON parse beside them for scale.

The documents are real events read back from the running stack's topics, one type per topic; only their types
and sizes are kept in the report, never their contents."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from typing import Any

from confluent_kafka import Consumer, TopicPartition

from relaydesk.common import serde
from relaydesk.common.kafka import consumer_config
from relaydesk.common.schema_registry import fast_validator_for, validator_for
from relaydesk.common.settings import KafkaSettings
from relaydesk.common.topics import Topics

# The reply path's topics, in its order.
TOPICS = (Topics.TURNS_RAW, Topics.TURNS_GUARDED, Topics.TURNS_EMOTION, Topics.TURNS_CONTEXT, Topics.REPLIES_DRAFT,
          Topics.REPLIES)  # fmt: skip


def read_documents(kafka: KafkaSettings, topics: Iterable[str] = TOPICS, per_topic: int = 8,
                   timeout_s: float = 5.0) -> dict[str, list[bytes]]:  # fmt: skip
    """Up to `per_topic` records from the start of partition 0 of each topic (empty where none is there)."""
    consumer = Consumer(consumer_config(kafka, "relaydesk-bench-contract"))
    found: dict[str, list[bytes]] = {}
    try:
        for topic in topics:
            consumer.assign([TopicPartition(kafka.topic(topic), 0, 0)])
            values: list[bytes] = []
            end = time.monotonic() + timeout_s
            while len(values) < per_topic and time.monotonic() < end:
                msg = consumer.poll(0.2)
                value = msg.value() if msg is not None and not msg.error() else None
                if value:
                    values.append(value)
            found[topic] = values
    finally:
        consumer.close()
    return found


def _ms_per_call(fn: Callable[[], Any], repeat: int) -> float:
    fn()  # compiled, cached
    started = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - started) / repeat * 1000.0


def measure(values: list[bytes], repeat: int = 200) -> dict[str, Any]:
    """Mean ms per document for each check, over `values` (all of one event type)."""
    docs = [json.loads(v) for v in values]
    cls = serde.event_class_of(docs[0])
    fast, slow = fast_validator_for(cls.SCHEMA), validator_for(cls.SCHEMA)

    def each(check: Callable[[Any], Any]) -> float:
        return sum(_ms_per_call(lambda d=d: check(d), repeat) for d in docs) / len(docs)  # type: ignore[misc]

    slow_ms = each(lambda d: list(slow.iter_errors(d)))
    fast_ms = each(fast.is_valid)
    row: dict[str, Any] = {
        "event_type": cls.EVENT_TYPE,
        "documents": len(docs),
        "bytes_mean": round(sum(map(len, values)) / len(values)),
        "jsonschema_ms": slow_ms,
        "jsonschema_rs_ms": fast_ms,
        "pydantic_ms": each(cls.model_validate),
        "json_parse_ms": sum(_ms_per_call(lambda v=v: json.loads(v), repeat) for v in values) / len(values),  # type: ignore[misc]
        "speedup": round(slow_ms / fast_ms, 1),
    }
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()}
