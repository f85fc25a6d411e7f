"""Which passages a reply may draw on: the turn's retrieved hits, plus, for a follow-up question, the
passage the previous answer came from ("how long does that take?" retrieves poorly on its own)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from relaydesk.events.annotations import RetrievalHit
from relaydesk.generation.ports import HistoryTurn, SourceSnippet

_ANAPHORA = frozenset((
    "it", "its", "that", "this", "those", "these", "they", "them", "their", "there", "then", "same", "above",
    "previous", "earlier", "itu", "ini", "tersebut",
))
_PHRASES = ("what about", "how about", "and if", "what if", "and for", "and what", "how long does that",
            "you said", "you mentioned")
_CJK_MARKERS = re.compile(r"这个|那个|这|那|它|上面|それ|これ|あれ|その|この|さっき")
_PLACEHOLDER = re.compile(r"<[A-Z][A-Z0-9_]+>")
_WORDS = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


def is_follow_up(question: str, history: Sequence[HistoryTurn]) -> bool:
    """The question leans on the previous answer: the conversation's latest turn is an answer, and the
    question is very short, refers back to it, or only supplies details (redacted placeholders)."""
    if not history or history[-1].role != "assistant":
        return False
    if _PLACEHOLDER.search(question):
        return True  # details the guard redacted ("my card was <CREDIT_CARD>"): the customer continues the topic
    text = question.lower()
    words = _WORDS.findall(text)
    if len(words) <= 3 and not _CJK_MARKERS.search(text):
        return len(words) > 0
    return (
        any(w in _ANAPHORA for w in words)
        or any(p in text for p in _PHRASES)
        or bool(_CJK_MARKERS.search(text))
    )


def snippets(hits: Sequence[RetrievalHit]) -> list[SourceSnippet]:
    return [
        SourceSnippet(doc_id=h.doc_id, chunk_id=h.chunk_id, title=h.title, text=h.text, version=h.version,
                      score=h.score)
        for h in hits
        if h.text.strip()
    ]


def select_sources(
    hits: Sequence[RetrievalHit], history: Sequence[HistoryTurn], follow_up: bool, limit: int
) -> list[SourceSnippet]:
    current = snippets(hits)
    carried: list[SourceSnippet] = []
    if follow_up:
        previous = next((t for t in reversed(history) if t.role == "assistant"), None)
        carried = list(previous.sources[:1]) if previous else []
    newest = {s.doc_id: s.version for s in current}
    by_chunk = {s.chunk_id: s for s in current}
    # A remembered passage gives way to the same chunk as retrieved now, and is dropped once its document
    # has a newer version among the hits.
    carried = [by_chunk.get(s.chunk_id, s) for s in carried if newest.get(s.doc_id, s.version) <= s.version]
    seen: set[str] = set()
    out: list[SourceSnippet] = []
    for s in [*carried, *current]:
        if s.chunk_id in seen:
            continue
        seen.add(s.chunk_id)
        out.append(s)
    return out[:limit]
