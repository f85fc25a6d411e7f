"""`relaydesk topics create`: create every topic with its partition count and config (idempotent)."""

from __future__ import annotations

import argparse
import json


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--partitions", type=int, default=None, help="override RELAYDESK_KAFKA_PARTITIONS")
    parser.add_argument(
        "--plan",
        default=None,
        help='partition plan as JSON, {"<topic>": {"partitions": n, "replicationFactor": r}} (the chart\'s '
        "kafka.topicPlan); topics it leaves out keep the defaults",
    )


def run(args: argparse.Namespace) -> int:
    from relaydesk.common.kafka import ensure_topics
    from relaydesk.common.settings import KafkaSettings

    kafka = KafkaSettings() if args.partitions is None else KafkaSettings(partitions=args.partitions)
    if args.plan is not None:
        from relaydesk.ops.partition_plan import PlanError, apply_plan, parse_plan, planned_topics

        try:
            planned = planned_topics(kafka, parse_plan(args.plan))
        except PlanError as exc:
            print(json.dumps({"error": str(exc)}))
            return 2
        print(json.dumps(apply_plan(kafka, planned)))
        return 0
    created = ensure_topics(kafka)
    print(json.dumps({"created": created}))
    return 0
