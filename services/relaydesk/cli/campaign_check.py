"""`relaydesk campaign check --campaigns DIR --ledger L.jsonl --attempts A.jsonl`: the pre-dial policy, offline.

Prints one JSON line per attempt, `{"attempt_id", "allowed", "rule"}` (`--evidence` adds what the rule used).
Problems with the input (a campaign file, a ledger or attempt line that does not read) go to stderr by file and
line number; what they might have been about is blocked.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--campaigns", type=Path, required=True, help="directory of campaign files (*.yaml, *.json)")
    parser.add_argument("--ledger", type=Path, required=True, help="ledger JSONL")
    parser.add_argument("--attempts", type=Path, required=True, help="attempts JSONL")
    parser.add_argument("--evidence", action="store_true", help="add each decision's evidence")


def run(args: argparse.Namespace) -> int:
    from relaydesk.campaigns.offline import check_files

    if not args.campaigns.is_dir():
        print(json.dumps({"error": f"not a directory: {args.campaigns}"}), file=sys.stderr)
        return 2
    results, problems = check_files(args.campaigns, args.ledger, args.attempts)
    for problem in problems:
        print(problem, file=sys.stderr)
    for result in results:
        if not args.evidence:
            result.pop("evidence", None)
        print(json.dumps(result, ensure_ascii=False))
    return 0
