"""Malformed and fuzzed records on EVERY consumed topic (CATALOG entries with a dead-letter topic), into running
consumers on a real broker: a stage runner per stage topic, the tenant-config feed for tenant config. Each bad
record is dead-lettered once with its original bytes and a reason, no consumer crashes, and a good record sent
after the bad ones is still processed."""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import json
import random
import time
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from faust_helpers import running
from integration.spine.event_samples import sample_document
from kafka_helpers import read_topics
from relaydesk.common import serde
from relaydesk.common.faust_app import make_app
from relaydesk.common.kafka import produce_and_wait, sync_producer
from relaydesk.common.settings import KafkaSettings
from relaydesk.common.stage import Stage, install_stage
from relaydesk.common.topics import CATALOG, Topics, TopicSpec
from relaydesk.common.worker import TenantConfigFeed
from relaydesk.events import Envelope

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="function")]

CONSUMED: tuple[TopicSpec, ...] = tuple(spec for spec in CATALOG if spec.has_dlq)
# Consumed by a broadcast view rather than a stage runner.
FEEDS = {Topics.TENANT_CONFIG}
# Pipelined in production (generation): the other ack path of the runner.
PIPELINED = {Topics.TURNS_CONTEXT}
KINDS = {"not_json", "schema", "model", "unknown_type", "wrong_type"}
KEY = b"c-fuzz"


def event_class(spec: TopicSpec) -> type[Envelope]:
    classes = [c for c in serde.EVENT_CLASSES if spec.event_type == c.EVENT_TYPE]
    assert classes, f"{spec.name} carries {spec.event_type!r}, which has no model registered in common/serde.py"
    return max(classes, key=lambda c: c.EVENT_VERSION)


def _wrong_type(value: Any) -> Any:
    """A JSON value of another type than `value`'s, so the document can no longer be valid."""
    if isinstance(value, bool):
        return "yes"
    if isinstance(value, int | float):
        return "not a number"
    if isinstance(value, str):
        return {"nested": [1, 2, 3]}
    if isinstance(value, list):
        return {"not": "a list"}
    if isinstance(value, dict):
        return [value]
    return 7


def malformed(spec: TopicSpec, good: dict[str, Any], rng: random.Random) -> list[tuple[str, bytes]]:
    other = next(c for c in serde.EVENT_CLASSES if spec.event_type != c.EVENT_TYPE)

    def doc(**changes: Any) -> bytes:
        return json.dumps({**good, **changes}).encode()

    cases = [
        ("not_json", b"{not json at all"),
        ("bad_utf8", b'{"tenant_id": "\xc3\x28", "event_type": "\xff"}'),
        ("binary", bytes(range(256))),
        ("json_array", b"[1, 2, 3]"),
        ("json_string", b'"just a string"'),
        ("json_null", b"null"),
        ("empty_object", b"{}"),
        ("missing_fields", json.dumps({k: good[k] for k in ("event_type", "event_version")}).encode()),
        ("missing_tenant", json.dumps({k: v for k, v in good.items() if k != "tenant_id"}).encode()),
        ("wrong_event_type", doc(event_type=other.EVENT_TYPE, event_version=other.EVENT_VERSION)),
        ("unknown_event_type", doc(event_type="no.such.event")),
        ("wrong_version", doc(event_version=99)),
        ("wrong_field_types", doc(**{k: _wrong_type(v) for k, v in good.items() if k not in ("event_type", "event_version")})),
        ("bad_tenant", doc(tenant_id="Not A Tenant!")),
        ("huge_value", doc(tenant_id="a" * 300_000)),
        ("huge_integer", b'{"event_version": ' + b"9" * 5_000 + b"}"),
        ("deep_nesting", b"[" * 50_000),
        ("nan", doc(occurred_at=float("nan"))),
        ("bad_timestamp", doc(occurred_at="yesterday-ish")),
    ]
    if spec.name not in FEEDS:
        cases.append(("empty_value", b""))  # on a compacted config topic, an empty value is a tombstone
    # Seeded random junk: required fields swapped for wrong-typed values, and random bytes.
    fields = [k for k in good if k not in ("event_type", "event_version")]
    for i in range(4):
        broken = {k: _wrong_type(good[k]) for k in rng.sample(fields, k=rng.randint(1, len(fields)))}
        cases.append((f"random_doc_{i}", doc(**broken)))
        cases.append((f"random_bytes_{i}", bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 64))) + b"\x00{"))
    return cases


class Seen:
    """Event ids each consumer handled, in the order it handled them."""

    def __init__(self) -> None:
        self.ids: dict[str, list[str]] = {}

    def handler(self, topic: str) -> Callable[[Sequence[Envelope]], list[list[Envelope]]]:
        def handle_batch(events: Sequence[Envelope]) -> list[list[Envelope]]:
            self.ids.setdefault(topic, []).extend(e.event_id for e in events)
            return [[] for _ in events]

        return handle_batch


def immediately(fn: Callable[..., Any], *args: Any) -> concurrent.futures.Future[Any]:
    future: concurrent.futures.Future[Any] = concurrent.futures.Future()
    future.set_result(fn(*args))
    return future


async def test_when_every_consumed_topic_gets_malformed_records_then_all_dead_lettered_and_consumers_go_on(
    kafka: KafkaSettings,
) -> None:
    assert {Topics.TURNS_RAW, Topics.REPLIES_DRAFT, Topics.TENANT_CONFIG} <= {s.name for s in CONSUMED}
    seen = Seen()
    app = make_app("topic-fuzz", kafka, web_port=0)
    for i, spec in enumerate(s for s in CONSUMED if s.name not in FEEDS):
        install_stage(app, Stage(
            name=f"fuzz-{i}", input_topic=spec.name, input_type=event_class(spec),
            handle_batch=seen.handler(spec.name), route=lambda e: Topics.REPLIES, batch_size=4,
            batch_within_s=0.05, pipelined=spec.name in PIPELINED, retry_backoff_s=0.01,
        ), kafka)
    feed = TenantConfigFeed(
        kafka, [(lambda cfg: seen.ids.setdefault(Topics.TENANT_CONFIG, []).append(cfg.event_id), immediately)], "fuzz"
    )

    rng = random.Random(20261201)
    producer = sync_producer(kafka, **{"message.max.bytes": 2_000_000})
    sent: dict[str, dict[int, tuple[str, bytes]]] = {}  # topic -> offset -> (case, bytes)
    good_ids: dict[str, str] = {}
    for spec in CONSUMED:
        good = sample_document(event_class(spec))
        for label, value in malformed(spec, good, rng):
            msg = produce_and_wait(producer, kafka.topic(spec.name), value, key=KEY)
            sent.setdefault(spec.name, {})[int(msg.offset() or 0)] = (label, value)
        good_ids[spec.name] = good["event_id"]
        produce_and_wait(producer, kafka.topic(spec.name), json.dumps(good).encode(), key=KEY)

    expected = sum(len(cases) for cases in sent.values())
    started = time.monotonic()
    async with running(app, timeout_s=60):
        feed.start()
        records = await asyncio.to_thread(
            read_topics, kafka, [s.dlq for s in CONSUMED], lambda rs: len(rs) >= expected, 90.0
        )
        deadline = time.monotonic() + 30
        while any(good_ids[t] not in seen.ids.get(t, []) for t in good_ids) and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        assert not app.crashed, app.crash_reason
        assert feed.consumer._thread.is_alive(), "the tenant-config feed stopped"
    feed.consumer.stop()
    elapsed = time.monotonic() - started

    missing_good = {t: i for t, i in good_ids.items() if i not in seen.ids.get(t, [])}
    assert not missing_good, f"good records not processed after the bad ones: {missing_good}"
    by_topic: dict[str, dict[int, dict[str, Any]]] = {}
    for rec in records:
        letter = serde.deserialize(rec.value)
        assert letter.EVENT_TYPE == "dead_letter"
        doc = letter.model_dump()
        source = doc["source_topic"].removeprefix(kafka.topic_prefix)
        assert doc["source_offset"] not in by_topic.get(source, {}), f"dead-lettered twice: {source}"
        by_topic.setdefault(source, {})[doc["source_offset"]] = doc
    for spec in CONSUMED:
        letters = by_topic.get(spec.name, {})
        undead = sorted(label for off, (label, _) in sent[spec.name].items() if off not in letters)
        assert not undead, f"{spec.name}: not dead-lettered: {undead}"
        assert set(letters) == set(sent[spec.name]), f"{spec.name}: a good record was dead-lettered"
        for offset, (label, value) in sent[spec.name].items():
            letter = letters[offset]
            assert letter["error_type"] in KINDS, (spec.name, label, letter["error_type"])
            assert letter["reason"] and letter["attempts"] >= 1, (spec.name, label)
            assert base64.b64decode(letter["value_b64"]) == value, (spec.name, label)
            assert letter["key_b64"] == base64.b64encode(KEY).decode()
    print(f"topic fuzz: {expected} malformed records on {len(CONSUMED)} topics, all dead-lettered, in {elapsed:.1f}s")
    assert elapsed < 120, f"the fuzz run took {elapsed:.0f}s"
