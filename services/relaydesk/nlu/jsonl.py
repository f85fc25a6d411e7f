"""Labelled JSONL sets: one `{"text", "label", "lang"?}` object per line."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from relaydesk.nlu.lang import turn_lang


@dataclass(frozen=True)
class LabelledText:
    text: str
    label: str
    lang: str


def read_labelled(path: Path) -> list[LabelledText]:
    rows: list[LabelledText] = []
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                text, label = str(item["text"]), str(item["label"])
            except (ValueError, KeyError, TypeError) as exc:
                # Name the line and the error type only: the line holds customer-like text.
                raise ValueError(f"{path}:{number}: not a {{text, label}} object ({type(exc).__name__})") from None
            rows.append(LabelledText(text, label, turn_lang(item.get("lang"), text)))
    return rows
