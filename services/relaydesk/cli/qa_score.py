"""`relaydesk qa score --conversations FILE [--rubric RUBRIC.yaml]`: one JSON line per conversation on stdout,
`{"conversation_id", "answers": {question: {"answer", "confidence", "evidence", "spans"}}, "score",
"auto_failed", "rubric_version"}`. Evidence spans are short and redacted."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--conversations", type=Path, required=True, help="JSONL conversations (see docs/qa.md)")
    parser.add_argument("--rubric", type=Path, default=None, help="a rubric YAML file; default: the built-in one")


def run(args: argparse.Namespace) -> int:
    from relaydesk.qa.bootstrap import build_scorer
    from relaydesk.qa.conversation import ConversationError
    from relaydesk.qa.jsonl import read_conversations
    from relaydesk.qa.rubric import load_rubric

    try:
        rubric = load_rubric(args.rubric)
        conversations, _ = read_conversations(args.conversations)
    except (OSError, ValueError, ConversationError) as exc:
        print(f"qa score: {exc}", file=sys.stderr)
        return 2
    score = build_scorer(rubric)
    for conv in conversations:
        print(json.dumps(score(conv).to_dict(), ensure_ascii=False), flush=True)
    return 0
