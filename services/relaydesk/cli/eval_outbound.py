"""`relaydesk eval outbound --part evals/outbound/test`: agreement of the pre-dial policy with the hand-derived
verdicts of a scenario set, and the attempts it allowed that the rules forbid (there must be none)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--part", type=Path, default=Path("evals/outbound/test"),
                        help="a scenario directory (campaigns/, ledger.jsonl, attempts.jsonl with expectations)")
    parser.add_argument("--revocations", type=Path, default=None,
                        help="also score revocation detection on {text, lang, revokes} JSONL")


def run(args: argparse.Namespace) -> int:
    from relaydesk.campaigns.evaluation import score_part

    report = score_part(args.part)
    if args.revocations is not None:
        from relaydesk.campaigns.evaluation import score_revocations

        report["revocation"] = score_revocations(args.revocations)
    print(json.dumps(report, ensure_ascii=False))
    return 1 if report["forbidden_allowed"] else 0
