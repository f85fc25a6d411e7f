"""`relaydesk redact`: JSONL `{"text": ..., "lang"?: ...}` on stdin, one line per input on stdout:
`{"text": <redacted>, "entities": [{"type","start","end"}]}` (offsets into the input text).

A line that is not a JSON object with a string `text` gets `{"error": ...}` (naming the problem, never the
content), so output lines stay aligned with input lines; the exit status is then 1.
"""

from __future__ import annotations

import argparse
from typing import Any


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", default=None, help="language of every line (en, zh, ja, id); default: per line "
                        "`lang` field, else guessed")  # fmt: skip


def run(args: argparse.Namespace) -> int:
    from relaydesk.cli.jsonl_lines import map_text_lines
    from relaydesk.compliance.pii import get_redactor

    redactor = get_redactor()

    def redact(row: dict[str, Any], text: str) -> dict[str, Any]:
        result = redactor.redact(text, args.lang or row.get("lang"))
        return {"text": result.text, "entities": [e.model_dump() for e in result.entities]}

    return map_text_lines(redact)
