"""`relaydesk drill kill --stages intent,compliance --turns 80 --concurrency 16 --json`: kill -9 stages of the
running stack while turns are in flight; report turns sent, answered, lost and duplicated, and how long each
stage took to come back (see relaydesk/drill/kill.py). Exit 0 only when every turn was answered exactly once
and every killed stage came back."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stages", default="intent,compliance",
                        help="comma-separated: guard, intent, emotion, knowledge, generation, compliance, gateway, "
                             "serve-generation")
    parser.add_argument("--turns", type=int, default=80)
    parser.add_argument("--concurrency", type=int, default=16, help="turns being posted at once")
    parser.add_argument("--min-in-flight", type=int, default=60, help="kill once this many turns await replies")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds for the whole drill")
    parser.add_argument("--settle", type=float, default=10.0, help="seconds to keep listening for repeats")
    parser.add_argument("--tenant", default="demo")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace) -> int:
    import json
    import sys

    from relaydesk.drill.kill import KillPlan, run_kill_drill
    from relaydesk.drill.stack_view import DrillError

    stages = tuple(s.strip() for s in args.stages.split(",") if s.strip())
    plan = KillPlan(stages=stages, turns=args.turns, concurrency=args.concurrency, min_in_flight=args.min_in_flight,
                    timeout_s=args.timeout, settle_s=args.settle, tenant=args.tenant)
    try:
        report = run_kill_drill(plan)
    except DrillError as exc:
        print(json.dumps({"error": str(exc)}), file=sys.stderr)
        return 2
    if not args.json:
        print(f"sent {report['turns_sent']}, answered {report['answered']}, lost {report['lost']}, "
              f"duplicated {report['duplicated']}; in flight at kill {report['in_flight_at_kill']}", file=sys.stderr)
        for stage, back in report["killed"].items():
            print(f"  {stage}: back in {back['ready_s']} s (pid {back['pid_before']} -> {back['pid_after']})",
                  file=sys.stderr)
    print(json.dumps(report))
    return 0 if report["ok"] else 1
