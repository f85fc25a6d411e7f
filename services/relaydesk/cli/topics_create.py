"""`relaydesk topics create`: create every topic with its partition count and config (idempotent)."""

from __future__ import annotations

import argparse
import json


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--partitions", type=int, default=None, help="override RELAYDESK_KAFKA_PARTITIONS")


def run(args: argparse.Namespace) -> int:
    from relaydesk.common.kafka import ensure_topics
    from relaydesk.common.settings import KafkaSettings

    kafka = KafkaSettings() if args.partitions is None else KafkaSettings(partitions=args.partitions)
    created = ensure_topics(kafka)
    print(json.dumps({"created": created}))
    return 0
