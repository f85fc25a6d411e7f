"""`relaydesk drill outage --dependency vectorstore|serve --turns 20 --json`: take a dependency away from the
running stack, send turns, and report how each was answered (fallback kind or hand-off) with the fallback
counters from the workers' /metrics (see relaydesk/drill/outage.py). Exit 0 when every turn was answered once."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dependency", required=True, choices=("vectorstore", "serve"))
    parser.add_argument("--turns", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=4, help="turns being posted at once")
    parser.add_argument("--timeout", type=float, default=240.0, help="seconds for the whole drill")
    parser.add_argument("--tenant", default="demo")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace) -> int:
    import json
    import sys

    from relaydesk.drill.outage import OutagePlan, run_outage_drill
    from relaydesk.drill.stack_view import DrillError

    plan = OutagePlan(dependency=args.dependency, turns=args.turns, concurrency=args.concurrency,
                      timeout_s=args.timeout, tenant=args.tenant)
    try:
        report = run_outage_drill(plan)
    except DrillError as exc:
        print(json.dumps({"error": str(exc)}), file=sys.stderr)
        return 2
    if not args.json:
        print(f"{args.dependency} outage: sent {report['turns_sent']}, answered {report['answered']} "
              f"as {report['answer_modes']}; counted {report['counters']}", file=sys.stderr)
    print(json.dumps(report))
    return 0 if report["ok"] else 1
