"""JSONL filters for the CLI: one `{"text": ...}` object per input line, one JSON line out per input."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable
from typing import Any, TextIO


def map_text_lines(
    transform: Callable[[dict[str, Any], str], dict[str, Any]],
    lines: Iterable[str] | None = None,
    out: TextIO | None = None,
) -> int:
    """Apply `transform(row, text)` to each line's object and print its result. A line that is not an object
    with a string `text` gets an error line in its place (so outputs stay aligned with inputs) and makes the
    exit code 1. Errors name the line and the error type, never its content."""
    lines = sys.stdin if lines is None else lines
    out = sys.stdout if out is None else out
    failed = 0
    for number, line in enumerate(lines, start=1):
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
            print(json.dumps({"error": f"line {number}: expected a JSON object with a string `text`"}), file=out)
            continue
        print(json.dumps(transform(row, text), ensure_ascii=False), file=out, flush=True)
    return 1 if failed else 0
