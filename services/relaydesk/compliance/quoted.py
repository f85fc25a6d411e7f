"""Which parts of a reply are quoted from the knowledge it cites. Words copied from a cited passage or an
article title are the company's published text, not the customer's personal data: an NER model that reads
"Slow" in the title "Slow mobile data" as a person's name must not mask it.

A reply region is quoted when it is a run of at least `min_words` consecutive words that occur in that order
in one cited passage, or a whole cited title. Words are compared case-insensitively, without punctuation
(so "「Slow mobile data」" quotes the title "Slow mobile data"); CJK characters count one word each.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from relaydesk.events import ReplyDraft

_TOKEN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]|[^\W_]+")
MIN_WORDS = 3


def cited_texts(draft: ReplyDraft) -> tuple[list[str], list[str]]:
    """(passages, titles) of the hits the reply cites: those named in `sources_used`, else every hit."""
    if draft.retrieval is None:
        return [], []
    used = set(draft.sources_used)
    hits = [h for h in draft.retrieval.hits if not used or h.doc_id in used or h.chunk_id in used]
    return [h.text for h in hits], [h.title for h in hits if h.title.strip()]


def _tokens(text: str) -> list[tuple[str, int, int]]:
    return [(m.group().casefold(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def quoted_regions(
    reply: str, passages: Iterable[str], titles: Iterable[str] = (), min_words: int = MIN_WORDS
) -> list[tuple[int, int]]:
    """Character spans of `reply` quoted from the passages or titles, merged and sorted."""
    words = _tokens(reply)
    if not words:
        return []
    keys = [w for w, _, _ in words]
    covered = [False] * len(words)
    grams: set[tuple[str, ...]] = set()
    for passage in passages:
        toks = [w for w, _, _ in _tokens(passage)]
        grams.update(tuple(toks[i : i + min_words]) for i in range(len(toks) - min_words + 1))
    for i in range(len(keys) - min_words + 1):
        if tuple(keys[i : i + min_words]) in grams:
            covered[i : i + min_words] = [True] * min_words
    for title in titles:
        title_toks = tuple(w for w, _, _ in _tokens(title))
        n = len(title_toks)
        if not n:
            continue
        for i in range(len(keys) - n + 1):
            if tuple(keys[i : i + n]) == title_toks:
                covered[i : i + n] = [True] * n
    regions: list[tuple[int, int]] = []
    for (_, start, end), quoted in zip(words, covered, strict=True):
        if not quoted:
            continue
        if regions and _only_gap(reply[regions[-1][1] : start]):
            regions[-1] = (regions[-1][0], end)
        else:
            regions.append((start, end))
    return regions


def _only_gap(between: str) -> bool:
    # Adjacent quoted words: what separates them is spacing or punctuation, never another word.
    return not _TOKEN.search(between)


def inside_quote(start: int, end: int, text: str, regions: Sequence[tuple[int, int]]) -> bool:
    """The span's words all lie in one quoted region (punctuation around it, like 「, may lie outside)."""
    words = list(_TOKEN.finditer(text, start, end))
    if not words:
        return False
    lo, hi = words[0].start(), words[-1].end()
    return any(s <= lo and hi <= e for s, e in regions)
