"""Times `relaydesk dlq replay` on a private broker: N dead letters replayed, then the same command again (which
must replay nothing). Run: python -m relaydesk.ops.bench_replay --dead-letters 2000 --json"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
import uuid
from pathlib import Path

from confluent_kafka import Producer

from relaydesk.common import serde
from relaydesk.common.dlq import dead_letter
from relaydesk.common.kafka import ensure_topics, producer_config
from relaydesk.common.settings import KafkaSettings
from relaydesk.common.topics import Topics
from relaydesk.ops.dlq_replay import replay


def run(dead_letters: int) -> dict[str, object]:
    from relaydesk.stack.broker import TansuBroker

    with TansuBroker(log_file=Path(tempfile.mkdtemp()) / "tansu.log") as broker:
        kafka = KafkaSettings(bootstrap=broker.bootstrap, topic_prefix=f"b{uuid.uuid4().hex[:6]}.", partitions=4)
        ensure_topics(kafka)
        producer = Producer(producer_config(kafka))
        for i in range(dead_letters):
            # a 1 KB turn, as the guard would dead-letter it after a timeout
            record = dead_letter(
                service="guard", topic=kafka.topic(Topics.TURNS_RAW), partition=i % 4, offset=i,
                key=f"conv-{i}".encode(), value=json.dumps({"n": i, "text": "x" * 900}).encode(),
                headers=[("traceparent", f"00-{i:032x}-{i:016x}-01".encode())], error=TimeoutError(),
            )
            producer.produce(kafka.topic(f"{Topics.TURNS_RAW}.dlq"), serde.serialize(record), key=f"conv-{i}".encode())
            producer.poll(0)
        producer.flush(60)
        load = os.getloadavg()[0]
        t0 = time.perf_counter()
        first = replay(kafka, Topics.TURNS_RAW, progress=lambda _: None)
        t1 = time.perf_counter()
        second = replay(kafka, Topics.TURNS_RAW, progress=lambda _: None)
        t2 = time.perf_counter()
    return {
        "dead_letters": dead_letters,
        "first_run_s": round(t1 - t0, 2),
        "first_run_replayed": first.replayed,
        "replayed_per_s": round(first.replayed / (t1 - t0), 1),
        "second_run_s": round(t2 - t1, 2),
        "second_run_replayed": second.replayed,
        "second_run_skipped": second.as_dict()["skipped"],
        "load_average_at_start": round(load, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dead-letters", type=int, default=2000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = run(args.dead_letters)
    print(json.dumps(result) if args.json else "\n".join(f"{k}: {v}" for k, v in result.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
