"""`relaydesk bench contract [--json]`: the contract check's cost per event on the reply path, the compiled
validator against jsonschema in the same run, on events read back from the running stack (`$RELAYDESK_HOME`;
ask it a few questions first, `relaydesk bench turn` does)."""

from __future__ import annotations

import argparse
import json
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--per-topic", type=int, default=8, help="events read from each topic (default 8)")
    parser.add_argument("--repeat", type=int, default=200, help="checks timed per event (default 200)")
    parser.add_argument("--json", action="store_true", help="last line: one JSON object")


def run(args: argparse.Namespace) -> int:
    from relaydesk.bench.contract_cost import measure, read_documents
    from relaydesk.bench.stats import progress
    from relaydesk.common.settings import KafkaSettings
    from relaydesk.stack.state import load_state

    kafka = KafkaSettings(bootstrap=load_state().broker)
    found = {topic: values for topic, values in read_documents(kafka, per_topic=args.per_topic).items() if values}
    if not found:
        print("no events on the reply path's topics: ask the stack something first (relaydesk bench turn)",
              file=sys.stderr)  # fmt: skip
        return 1
    rows = []
    for i, (topic, values) in enumerate(found.items(), 1):
        rows.append({"topic": topic, **measure(values, args.repeat)})
        progress(i, len(found), "contract checks")
    for row in rows:
        print(f"{row['topic']:<22} {row['event_type']:<26} {row['bytes_mean']:>6} B  jsonschema "
              f"{row['jsonschema_ms']:.3f} ms  jsonschema-rs {row['jsonschema_rs_ms']:.4f} ms (x{row['speedup']})  "
              f"pydantic {row['pydantic_ms']:.3f} ms  json {row['json_parse_ms']:.3f} ms", file=sys.stderr)  # fmt: skip
    # One turn's reply path, each event written once and read once.
    per_turn = {name: round(2 * sum(r[f"{name}_ms"] for r in rows), 3) for name in ("jsonschema", "jsonschema_rs")}
    summary = {"events": rows, "reply_path_ms": per_turn}
    if args.json:
        print(json.dumps(summary))
    return 0
