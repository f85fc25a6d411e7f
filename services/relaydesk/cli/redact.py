"""`relaydesk redact`: JSONL `{"text": ..., "lang"?: ...}` on stdin, one line per input on stdout:
`{"text": <redacted>, "entities": [{"type","start","end"}]}` (offsets into the input text).

A line that is not a JSON object with a string `text` gets `{"error": ...}` (naming the problem, never the
content), so output lines stay aligned with input lines; the exit status is then 1.
"""

from __future__ import annotations

import argparse
import json
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", default=None, help="language of every line (en, zh, ja, id); default: per line "
                        "`lang` field, else guessed")  # fmt: skip


def run(args: argparse.Namespace) -> int:
    from relaydesk.compliance.pii import get_redactor

    redactor = get_redactor()
    failed = 0
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            text = row["text"]
            if not isinstance(text, str):
                raise TypeError("text is not a string")
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            failed += 1
            print(f"line {number}: {type(exc).__name__}", file=sys.stderr)
            print(json.dumps({"error": f"line {number}: expected a JSON object with a string `text`"}))
            continue
        result = redactor.redact(text, args.lang or row.get("lang"))
        out = {"text": result.text, "entities": [e.model_dump() for e in result.entities]}
        print(json.dumps(out, ensure_ascii=False), flush=True)
    return 1 if failed else 0
