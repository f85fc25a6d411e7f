"""A list item's marker ("- ", "* ", "1. ", "2) "), which knowledge units are stored without. Shared, because
generation matches its own sentences against those units by text (generation/retrieved_scores.py)."""

from __future__ import annotations

import re

_MARKER = re.compile(r"^([-*+]|\d+[.)])\s+")


def strip_list_marker(line: str) -> str:
    return _MARKER.sub("", line)
