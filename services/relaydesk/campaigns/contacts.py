"""Contact lists (CSV with a header row, or JSONL): one row per contact, `phone` (E.164) required, optional
`region` (US state code) and `tz` (IANA), every other column an attribute for personalisation.

A bad row is reported by its line number with field paths (never its values) and the good rows still import.
A number that is E.164-shaped but not valid for its region imports, and the pre-dial check blocks it with
`invalid_number`, so the decision is recorded with its evidence.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

E164_SHAPE = re.compile(r"^\+[0-9]{7,15}$")
REGION = re.compile(r"^[A-Za-z]{2}$")
MAX_ROWS = 100_000
MAX_ATTRIBUTES = 32


@dataclass(frozen=True)
class ContactRow:
    line: int
    phone: str
    region: str | None = None
    tz: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass
class ImportResult:
    rows: list[ContactRow] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)


def _row(line: int, doc: Any) -> tuple[ContactRow | None, list[str]]:
    if not isinstance(doc, dict):
        return None, ["(root): must be an object"]
    problems = []
    phone = doc.get("phone")
    phone = phone.strip() if isinstance(phone, str) else phone
    if phone is None or phone == "":
        problems.append("phone: required")
    elif not isinstance(phone, str):
        problems.append("phone: must be a string")
    elif not E164_SHAPE.match(phone):
        problems.append("phone: must be E.164 (+ and 7-15 digits)")
    region = doc.get("region") or None
    if region is not None and (not isinstance(region, str) or not REGION.match(region)):
        problems.append("region: must be a two-letter state code")
    tz = doc.get("tz") or None
    if tz is not None:
        try:
            ZoneInfo(str(tz))
        except (ZoneInfoNotFoundError, ValueError):
            problems.append("tz: not an IANA time zone")
    nested = doc.get("attributes")
    extra: dict[str, Any] = nested if isinstance(nested, dict) else {}
    attributes = {str(k): str(v) for k, v in {**doc, **extra}.items()
                  if k not in ("phone", "region", "tz", "attributes") and v not in (None, "")}
    if len(attributes) > MAX_ATTRIBUTES:
        problems.append(f"attributes: at most {MAX_ATTRIBUTES}")
    if problems:
        return None, problems
    assert isinstance(phone, str)
    return ContactRow(line, phone, region.upper() if region else None, str(tz) if tz else None, attributes), []


def parse_contacts(text: str, fmt: str) -> ImportResult:
    result = ImportResult()
    if fmt == "jsonl":
        docs: list[tuple[int, Any]] = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                docs.append((number, json.loads(line)))
            except json.JSONDecodeError:
                result.errors.append({"line": number, "problems": ["(root): not JSON"]})
    elif fmt == "csv":
        reader = csv.DictReader(io.StringIO(text))
        if not reader.fieldnames or "phone" not in [f.strip() for f in reader.fieldnames]:
            result.errors.append({"line": 1, "problems": ["header: needs a phone column"]})
            return result
        docs = [(reader.line_num, {(k or "").strip(): v for k, v in row.items() if k}) for row in reader]
    else:
        result.errors.append({"line": 0, "problems": ["format: must be csv or jsonl"]})
        return result
    for number, doc in docs[:MAX_ROWS]:
        row, problems = _row(number, doc)
        if row is None:
            result.errors.append({"line": number, "problems": problems})
        else:
            result.rows.append(row)
    if len(docs) > MAX_ROWS:
        result.errors.append({"line": docs[MAX_ROWS][0], "problems": [f"(file): at most {MAX_ROWS} rows"]})
    return result
