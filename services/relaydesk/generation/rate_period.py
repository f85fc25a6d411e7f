"""The period a figure is given for: "2.1% a year" is not "2.1% per month", "500 EUR a day" not "500 EUR a week".

The 135M model keeps a source's number and unit and swaps the period after it ("A savings pot pays 2.1% interest
per month"; the article says 2.1% a year). A figure the answer gives for a period must be one the sources give
for that period, or give with no period at all. English and Indonesian period phrases after the figure, and the
"/month" form; pure, no model.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from relaydesk.generation.contradiction import qualifier_conflicts

_FIGURE = re.compile(r"\d+(?:[.,]\d+)*")
# Matched where a figure ends (`Pattern.match(text, pos)`). Up to three words between the figure and its period
# ("2.1% interest per month"), separated by spaces or a comma, never across a sentence's end.
_PERIOD_AFTER = re.compile(
    r"[^\S\n]*(?:[%％]|[^\W\d_]+)?(?:(?:[^\S\n]+|,[^\S\n]*)[^\W\d_]+){0,3}?(?:[^\S\n]+|,[^\S\n]*)"
    r"\b(?:(?:per|a|an|each|every)\s+(?P<en>year|month|week|day|hour)"
    r"|(?P<adv>annually|yearly|monthly|weekly|daily|hourly)"
    r"|(?:per|setiap|tiap)\s+(?P<id>tahun|bulan|minggu|hari|jam)"
    r"|se(?P<se>tahun|bulan|minggu|hari))\b"
    r"|[^\S\n]*(?:[^\W\d_]+)?[^\S\n]*/[^\S\n]*(?P<slash>year|month|week|day|hour)\b",
    re.I,
)
_CANONICAL = {
    "annually": "year", "yearly": "year", "monthly": "month", "weekly": "week", "daily": "day", "hourly": "hour",
    "tahun": "year", "bulan": "month", "minggu": "week", "hari": "day", "jam": "hour",
}


def figure_periods(text: str) -> set[tuple[str, str | None]]:
    """(figure, period) for each figure of `text`; period None when no period phrase follows it closely."""
    found: set[tuple[str, str | None]] = set()
    for m in _FIGURE.finditer(text):
        after = _PERIOD_AFTER.match(text, m.end())
        period = None
        if after is not None:
            word = next(g for g in after.groups() if g).lower()
            period = _CANONICAL.get(word, word)
        found.add((m.group().replace(",", ""), period))
    return found


def period_conflicts(answer: str, sources: Iterable[str]) -> tuple[str, ...]:
    """Figures the answer gives for a period the sources never give them for (and never give without one)."""
    found = qualifier_conflicts(figure_periods(answer), (figure_periods(s) for s in sources))
    return tuple(f"{figure} per {period}" for figure, period in found)
