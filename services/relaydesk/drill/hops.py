"""Where repeats come from: every record of a drill's conversations on each hop's topic, counted per turn.

At-least-once means a SIGKILLed stage re-processes what it had not committed, so a hop may carry a turn twice.
That is harmless when the repeat has the same event id (the next stage and the gateway drop it) and a fault
when it has a new one. Per topic: records, turns, turns carried more than once, and how many of those repeats
had a new event id. Only ids are read; texts are not kept. `turns.raw` (raw customer text) is not read.
"""

from __future__ import annotations

import json
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from confluent_kafka import Consumer, TopicPartition

from relaydesk.common.settings import KafkaSettings
from relaydesk.common.topics import Topics

HOPS = (
    Topics.TURNS_GUARDED,
    Topics.TURNS_INTENT,
    Topics.TURNS_EMOTION,
    Topics.TURNS_CONTEXT,
    Topics.REPLIES_DRAFT,
    Topics.REPLIES,
    Topics.HANDOFFS,
)


def turn_of(event: dict[str, Any]) -> str | None:
    turn = event.get("turn")
    if isinstance(turn, dict) and turn.get("turn_id"):
        return str(turn["turn_id"])
    value = event.get("turn_id")
    return str(value) if value else None


def count_hops(kafka: KafkaSettings, conversation_prefix: str, topics: Iterable[str] = HOPS,
               idle_s: float = 3.0, deadline_s: float = 60.0) -> dict[str, dict[str, int]]:
    topics = [kafka.topic(t) for t in topics]
    consumer = Consumer({
        **kafka.confluent_config(),
        "group.id": f"relaydesk-drill-audit-{uuid.uuid4().hex[:8]}",
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
        "fetch.wait.max.ms": 50,
    })
    try:
        metadata = consumer.list_topics(timeout=10)
        assignment = [
            TopicPartition(t, p, 0) for t in topics if t in metadata.topics for p in metadata.topics[t].partitions
        ]
        consumer.assign(assignment)
        per_turn: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        last = time.monotonic()
        end = last + deadline_s
        while time.monotonic() - last < idle_s and time.monotonic() < end:
            msg = consumer.poll(0.2)
            if msg is None or msg.error():
                continue
            last = time.monotonic()
            if not (msg.key() or b"").startswith(conversation_prefix.encode()):
                continue
            try:
                event = json.loads(msg.value() or b"")
            except ValueError:
                continue
            turn = turn_of(event)
            if turn:
                per_turn[str(msg.topic())][turn].append(str(event.get("event_id", "")))
    finally:
        consumer.close()
    report: dict[str, dict[str, int]] = {}
    for topic in topics:
        turns = per_turn.get(topic, {})
        records = sum(len(ids) for ids in turns.values())
        report[topic] = {
            "records": records,
            "turns": len(turns),
            "turns_repeated": sum(len(ids) > 1 for ids in turns.values()),
            "repeats_same_id": sum(len(ids) - len(set(ids)) for ids in turns.values()),
            "repeats_new_id": sum(len(set(ids)) - 1 for ids in turns.values()),
        }
    return report
