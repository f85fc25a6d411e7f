"""`relaydesk qa rescore --since T [--rubric FILE] [--tenant ID]`: re-score past conversations from the log.

Reads the conversation topics (turns.context, replies, handoffs, compliance.audit) and tenant configs from
their beginning until the broker has nothing more for `--quiet` seconds (Tansu's end offsets cannot be
trusted), rebuilds each transcript, and writes a `qa.scored` (closed_by `rescore`) for every conversation
active at or after T, under `--rubric` or else the tenant's configured rubric or the built-in one. Prints one
JSON summary line. The reply path is not touched.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--since", required=True, help="ISO 8601 instant: conversations active at or after it")
    parser.add_argument("--rubric", type=Path, default=None, help="rubric YAML; default: each tenant's own")
    parser.add_argument("--tenant", default=None, help="only this tenant's conversations")
    parser.add_argument("--quiet", type=float, default=3.0, help="stop reading after this many idle seconds")
    parser.add_argument("--timeout", type=float, default=120.0, help="give up reading after this many seconds")
    parser.add_argument("--dry-run", action="store_true", help="score and report; produce nothing")


def kafka_settings() -> Any:
    """RELAYDESK_KAFKA_* when set, else the running local stack's broker, else the defaults."""
    from relaydesk.common.settings import KafkaSettings

    if os.environ.get("RELAYDESK_KAFKA_BOOTSTRAP"):
        return KafkaSettings()
    from relaydesk.stack.state import StackNotRunning, load_state

    try:
        return KafkaSettings(bootstrap=load_state().broker)
    except (StackNotRunning, OSError, ValueError, TypeError):  # no (readable) local stack state: the defaults
        return KafkaSettings()


def _parse_since(text: str) -> datetime:
    at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def read_events(kafka: Any, topics: list[str], quiet_s: float, timeout_s: float) -> list[Any]:
    from confluent_kafka import Consumer

    from relaydesk.common import serde
    from relaydesk.common.broadcast import is_marker
    from relaydesk.common.kafka import consumer_config

    consumer = Consumer(
        consumer_config(kafka, f"relaydesk-qa-rescore-{uuid.uuid4().hex[:8]}", **{"enable.auto.commit": False})
    )
    started = last = time.monotonic()
    assigned: list[bool] = []

    def on_assign(_consumer: Any, _partitions: Any) -> None:
        nonlocal last
        assigned.append(True)
        last = time.monotonic()  # the quiet period counts from the group join, which takes seconds on Tansu

    consumer.subscribe([kafka.topic(t) for t in topics], on_assign=on_assign)
    events: list[Any] = []
    skipped = 0
    try:
        while (not assigned or time.monotonic() - last < quiet_s) and time.monotonic() - started < timeout_s:
            msg = consumer.poll(0.2)
            if msg is None or msg.error():
                continue
            last = time.monotonic()
            if not msg.value() or is_marker(msg):
                continue
            try:
                events.append(serde.deserialize(msg.value() or b""))
            except serde.EventError:
                skipped += 1  # the processors dead-letter these; a replay skips them
    finally:
        consumer.close()
    if skipped:
        print(f"qa rescore: skipped {skipped} unreadable record(s)", file=sys.stderr)
    return events


def run(args: argparse.Namespace) -> int:
    from relaydesk.common import serde
    from relaydesk.common.kafka import sync_producer
    from relaydesk.common.topics import Topics
    from relaydesk.events import TenantConfig
    from relaydesk.qa.bootstrap import build_deps
    from relaydesk.qa.rescore import apply_configs, fold, rescore
    from relaydesk.qa.rubric import load_rubric

    try:
        since = _parse_since(args.since)
        rubric = load_rubric(args.rubric) if args.rubric else None
    except (OSError, ValueError) as exc:
        print(f"qa rescore: {exc}", file=sys.stderr)
        return 2
    kafka = kafka_settings()
    topics = [Topics.TURNS_CONTEXT, Topics.REPLIES, Topics.HANDOFFS, Topics.COMPLIANCE_AUDIT, Topics.TENANT_CONFIG]
    events = read_events(kafka, topics, args.quiet, args.timeout)
    deps = build_deps()
    apply_configs([e for e in events if isinstance(e, TenantConfig)], deps)
    transcripts = fold(e for e in events if not isinstance(e, TenantConfig))
    producer = None if args.dry_run else sync_producer(kafka)

    def produce(scored: Any) -> None:
        if producer is not None:
            producer.produce(
                kafka.topic(Topics.QA_SCORED), serde.serialize(scored), key=str(scored.conversation_id).encode()
            )
            producer.poll(0)

    results = rescore(transcripts, deps, since=since, rubric=rubric, tenant=args.tenant, on_scored=produce)
    if producer is not None and producer.flush(30) > 0:
        print("qa rescore: some scores were not acknowledged by the broker", file=sys.stderr)
        return 1
    summary = {
        "events_read": len(events),
        "conversations": len(transcripts),
        "rescored": len(results),
        "rubric_versions": sorted({r.rubric_version for r in results}),
        "since": since.isoformat(),
        "dry_run": bool(args.dry_run),
        "conversation_ids": [r.conversation_id for r in results][:50],
    }
    print(json.dumps(summary))
    return 0
