"""Markdown tables in a passage, for quoting one row as a sentence.

Help-centre articles keep fees and limits in tables, and a chat reply that pastes "| | Basic | Plus | Premium |
|---|---|---|---| | Monthly fee | free | 4.99 EUR | ..." is unreadable. A quote takes the row that answers and
says it with its column names: "Monthly fee: Basic free, Plus 4.99 EUR, Premium 12.99 EUR." The header and the
separator row are never quoted on their own. Pure; no model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SEPARATOR_CELL = re.compile(r"^:?-{2,}:?$")


@dataclass(frozen=True)
class Tables:
    rows: dict[str, str]  # a data row's line -> the row as a sentence
    frame: frozenset[str]  # header and separator lines: never quoted alone


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def find_tables(text: str) -> Tables:
    """Every table of `text`: runs of lines starting with "|" whose second line is a separator row."""
    rows: dict[str, str] = {}
    frame: set[str] = set()
    block: list[str] = []
    for line in [*text.split("\n"), ""]:
        stripped = line.strip()
        if stripped.startswith("|"):
            block.append(stripped)
            continue
        if len(block) >= 2 and all(_SEPARATOR_CELL.match(c) for c in _cells(block[1]) if c):
            header = _cells(block[0])
            frame.update(block[:2])
            for row in block[2:]:
                rows[row] = row_sentence(header, _cells(row))
        block = []
    return Tables(rows, frozenset(frame))


def row_sentence(header: list[str], cells: list[str]) -> str:
    """"Card payments: Default 2,500 EUR, Maximum 10,000 EUR." The first cell names the row; every other
    cell is said with its column's name (a column without a name gives its value alone)."""
    label, values = (cells[0], cells[1:]) if cells else ("", [])
    names = header[1:] + [""] * max(0, len(values) - len(header) + 1)
    said = [f"{name} {value}".strip() for name, value in zip(names, values, strict=False) if value]
    body = ", ".join(said)
    sentence = f"{label}: {body}" if label and body else label or body
    return sentence if sentence.endswith((".", "。")) else f"{sentence}."
