"""The retrieved knowledge a draft was written from: its texts, the sources a reply cites, and which
PII-shaped values in a reply are really the company's own public details from that knowledge."""

from __future__ import annotations

import re
from collections.abc import Iterable

from relaydesk.compliance.pii import PiiSpan
from relaydesk.events import ReplyDraft, ReplySource, RetrievalHit

_PHONEISH = re.compile(r"\+?\d[\d ().\-]{5,}\d")
# NER spans may carry punctuation with them ("「Slow" from "「Slow mobile data」"): it is no part of the value.
_EDGE_PUNCT = re.compile(r"^[\W_]+|[\W_]+$")


def _hits(draft: ReplyDraft) -> list[RetrievalHit]:
    return list(draft.retrieval.hits) if draft.retrieval else []


def source_texts(draft: ReplyDraft) -> list[str]:
    return [f"{h.title}\n{h.text}" for h in _hits(draft)]


def reply_sources(draft: ReplyDraft) -> list[ReplySource]:
    """The hits the reply cites: those named in `sources_used` (doc or chunk ids) when generation said,
    else every hit; one entry per chunk."""
    if draft.retrieval is None:
        return []
    used = set(draft.sources_used)
    out: dict[str, ReplySource] = {}
    for hit in draft.retrieval.hits:
        if used and hit.doc_id not in used and hit.chunk_id not in used:
            continue
        out.setdefault(
            hit.chunk_id,
            ReplySource(
                doc_id=hit.doc_id,
                title=hit.title,
                score=hit.score,
                kb_version=draft.retrieval.kb_version,
                version=hit.version,
                chunk_id=hit.chunk_id,
            ),
        )
    return list(out.values())


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


class SourceExemption:
    """Decides whether a PII span in a reply is a value the sources publish verbatim.

    Phone numbers compare by digits (a "+1 800 555 0199" source grounds "1-800-555-0199"; a national form
    matches its international form by suffix); IBANs compare case- and space-insensitively; emails and names
    case-insensitively, as whole words, without punctuation the detector took along ("「Slow").
    """

    def __init__(self, sources: Iterable[str], exempt_types: Iterable[str]) -> None:
        text = "\n".join(sources)
        self.exempt_types = frozenset(exempt_types)
        self._lower = text.lower()
        self._compact = re.sub(r"\s+", "", text).upper()
        self._phones = {d for m in _PHONEISH.finditer(text) if len(d := _digits(m.group())) >= 7}

    def __call__(self, span: PiiSpan, value: str) -> bool:
        if span.type not in self.exempt_types or not value.strip():
            return False
        if span.type == "PHONE_NUMBER":
            digits = _digits(value)
            return len(digits) >= 7 and any(
                p == digits or (len(p) >= 7 and (p.endswith(digits) or digits.endswith(p))) for p in self._phones
            )
        if span.type == "IBAN_CODE":
            return re.sub(r"\s+", "", value).upper() in self._compact
        needle = _EDGE_PUNCT.sub("", value).lower()
        # Whole words only: a customer called "Jo" is not published by a source that says "join".
        return bool(needle) and re.search(rf"(?<!\w){re.escape(needle)}(?!\w)", self._lower) is not None
