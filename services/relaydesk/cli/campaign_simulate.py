"""`relaydesk campaign simulate --contacts N --agents A --answer-rate R --json`: predictive pacing against the
progressive baseline on the same seeded contacts, in process (no stack needed)."""

from __future__ import annotations

import argparse
import json


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--contacts", type=int, default=2000)
    parser.add_argument("--agents", type=int, default=10)
    parser.add_argument("--answer-rate", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print one JSON object (the default prints a summary)")


def run(args: argparse.Namespace) -> int:
    from relaydesk.campaigns.simulate import simulate

    if args.contacts < 1 or args.agents < 1 or not 0.0 < args.answer_rate <= 1.0:
        print(json.dumps({"error": "need --contacts >= 1, --agents >= 1 and 0 < --answer-rate <= 1"}))
        return 2
    report = simulate(args.contacts, args.agents, args.answer_rate, args.seed)
    if args.json:
        print(json.dumps(report))
    else:
        print(
            f"abandon rate {report['abandon_rate']:.2%} (target <= 3%), predictive utilisation "
            f"{report['agent_utilisation']:.1%} vs progressive {report['progressive_utilisation']:.1%}"
        )
    return 0
