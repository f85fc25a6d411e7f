"""`relaydesk dlq replay --topic T`: put dead letters of T back on T, once each (see relaydesk.ops.dlq_replay)."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--topic", required=True, help="source topic, e.g. relaydesk.turns.raw (reads <topic>.dlq)")
    parser.add_argument("--since", default=None, help="only dead letters written at or after this ISO 8601 instant")
    parser.add_argument("--until", default=None, help="only dead letters written before this ISO 8601 instant")
    parser.add_argument("--dry-run", action="store_true", help="report what would be replayed; produce nothing")
    parser.add_argument(
        "--force", action="store_true", help="replay poison records too (not_json, schema, ...): only after a fix"
    )
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to read each topic and await acks")


def run(args: argparse.Namespace) -> int:
    from relaydesk.common.settings import KafkaSettings
    from relaydesk.common.topics import all_topic_specs
    from relaydesk.ops.dlq_replay import ReplayError, Window, parse_instant, replay, summary_json

    names = {spec.name for spec in all_topic_specs()}
    with_dlq = {name for name in names if f"{name}.dlq" in names}
    if args.topic not in with_dlq:
        print(f"relaydesk dlq replay: {args.topic} has no dead-letter topic; one of: {', '.join(sorted(with_dlq))}")
        return 2
    try:
        window = Window(
            since=parse_instant(args.since) if args.since else None,
            until=parse_instant(args.until) if args.until else None,
        )
    except ValueError as exc:
        print(f"relaydesk dlq replay: --since/--until: {exc}")
        return 2
    try:
        report = replay(
            KafkaSettings(), args.topic, window, dry_run=args.dry_run, force=args.force, timeout_s=args.timeout
        )
    except (ReplayError, TimeoutError) as exc:
        print(f"relaydesk dlq replay: {exc}")
        return 2
    print(summary_json(report))
    return 1 if report.failed else 0
