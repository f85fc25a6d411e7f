"""`relaydesk eval qa --conversations FILE`: agreement of the automatic QA answers with the file's `labels`:
accuracy and Cohen's kappa per question, mean kappa, auto-fail precision/recall, per language, and the same
figures for a majority-answer baseline in the same run. One JSON document on stdout."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--conversations", type=Path, required=True, help="JSONL conversations with `labels`")
    parser.add_argument("--rubric", type=Path, default=None, help="a rubric YAML file; default: the built-in one")
    parser.add_argument("--show-disagreements", action="store_true", help="list each disagreement")


def run(args: argparse.Namespace) -> int:
    from relaydesk.qa.bootstrap import build_scorer
    from relaydesk.qa.conversation import ConversationError
    from relaydesk.qa.evaluation import evaluate
    from relaydesk.qa.jsonl import read_conversations
    from relaydesk.qa.rubric import load_rubric

    started = time.perf_counter()
    try:
        rubric = load_rubric(args.rubric)
        conversations, labels = read_conversations(args.conversations, with_labels=True)
    except (OSError, ValueError, ConversationError) as exc:
        print(f"eval qa: {exc}", file=sys.stderr)
        return 2
    report = evaluate(conversations, labels, rubric, build_scorer(rubric))
    if not args.show_disagreements:
        report.pop("disagreements")
    report = {"conversations_file": str(args.conversations), **report,
              "seconds": round(time.perf_counter() - started, 2)}
    print(json.dumps(report, ensure_ascii=False, indent=1))
    return 0
