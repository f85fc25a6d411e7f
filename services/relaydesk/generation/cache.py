"""Semantic-cache rules, kept pure: when a cached reply may be reused, and what waits to be cached.

A cached reply is reused when (1) its question embedding is within `threshold` cosine similarity of the new
question, in the same tenant, language, tenant-config revision and embedding model (the store filters on
these), and (2) every document it was built from is among the new turn's retrieved hits at the same
version. (2) is the version check that makes an edited document stop serving old answers even before its
invalidation arrives, and it also rejects near-miss questions that retrieve different documents.

Embedding similarity alone cannot tell "Do you ship to Norway?" from "Do you ship to Japan?" (0.93 with
e5-small, while true paraphrases range 0.89-0.97), so two lexical guards follow, on term digests (the cache
keeps no question text):
- key terms (numbers, capitalised words inside a sentence) of either question must occur in the other;
- a new question's words that occur in the source documents must occur in the cached question or answer
  ("standard shipping" is in the shipping page, but not in a cached answer about express shipping);
- an English question's kind (time, price, place, steps, yes/no) must match the cached one's.

A reply becomes a cache entry only after compliance passes it: `handle` parks the question embedding and
the source versions under the reply id (`PendingReplies`), `on_reply` turns them into an entry.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from relaydesk.common import metrics
from relaydesk.events.annotations import RetrievalHit
from relaydesk.generation.ports import CachedSource, CacheEntry, CacheScope, SourceSnippet
from relaydesk.generation.text import content_terms, numbers, stem

_INNER_CAPITAL = re.compile(r"(?<![.!?]\s)(?<!^)(?<=\s)([A-Z][\w'-]+)")


@dataclass(frozen=True)
class CacheDecision:
    entry: CacheEntry | None
    similarity: float | None  # of the reused entry, else the best candidate seen (None: no candidate)


def term_digest(term: str) -> str:
    return hashlib.blake2s(term.encode("utf-8"), digest_size=6).hexdigest()


_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("time", re.compile(r"\b(how (long|soon|fast|quickly)|how much time|when|what time|how many (minutes|hours|days|"
                        r"weeks|months)|opening hours|by when)\b", re.I)),
    ("price", re.compile(r"\b(how much|costs?|price[sd]?|fees?|charge[sd]?|expensive|cheap)\b", re.I)),
    ("place", re.compile(r"\b(where|which (country|countries|city|cities|store|branch))\b", re.I)),
    ("procedure", re.compile(r"\b(how (do|can|could|should|would) (i|we|you)|how to|steps?|"
                             r"what (should|can|do|must) (i|we) do|what now)\b", re.I)),
    ("yes_no", re.compile(r"^\s*(do|does|did|can|could|is|are|will|would|should|may|has|have)\b", re.I)),
)


def question_kind(text: str) -> str | None:
    """What an English question asks for (a time, a price, a place, steps, yes or no); None if unknown.
    "How fast is express shipping?" and "How much is express shipping?" embed at 0.96 but want different
    answers."""
    for kind, pattern in _KINDS:
        if pattern.search(text):
            return kind
    return None


def key_terms(text: str) -> set[str]:
    """Numbers and capitalised words not starting a sentence (names, places, products), as terms."""
    keys = set(numbers(text))
    for word in _INNER_CAPITAL.findall(text.strip()):
        if len(word) >= 3:
            keys.add(stem(word.lower()))
    return keys


def question_signature(question: str) -> tuple[list[str], list[str]]:
    terms = set(content_terms(question)) | numbers(question)
    return sorted(term_digest(t) for t in terms), sorted(term_digest(t) for t in key_terms(question))


def lexically_compatible(entry: CacheEntry, question: str, source_texts: Sequence[str]) -> bool:
    kind = question_kind(question)
    if kind is not None and entry.question_kind is not None and kind != entry.question_kind:
        return False
    q_terms = set(content_terms(question)) | numbers(question)
    q_digests = {term_digest(t) for t in q_terms}
    answer_terms = set(content_terms(entry.text)) | numbers(entry.text)
    allowed = set(entry.question_terms) | {term_digest(t) for t in answer_terms}
    if any(term_digest(k) not in allowed for k in key_terms(question)):
        return False
    if any(k not in q_digests for k in entry.question_keys):
        return False
    doc_terms: set[str] = set()
    for text in source_texts:
        doc_terms |= set(content_terms(text)) | numbers(text)
    return all(term_digest(t) in allowed for t in q_terms & doc_terms)


def current_versions(hits: Sequence[RetrievalHit]) -> dict[str, int]:
    versions: dict[str, int] = {}
    for hit in hits:
        versions[hit.doc_id] = max(hit.version, versions.get(hit.doc_id, 0))
    return versions


def is_reusable(entry: CacheEntry, versions: Mapping[str, int]) -> bool:
    return bool(entry.sources) and all(versions.get(s.doc_id) == s.version for s in entry.sources)


def choose_cached(
    candidates: Sequence[tuple[CacheEntry, float]],
    hits: Sequence[RetrievalHit],
    question: str,
    threshold: float,
) -> CacheDecision:
    versions = current_versions(hits)
    best: float | None = None
    for entry, score in sorted(candidates, key=lambda c: -c[1]):
        best = score if best is None else max(best, score)
        if score < threshold or not is_reusable(entry, versions):
            continue
        docs = {s.doc_id for s in entry.sources}
        if lexically_compatible(entry, question, [h.text for h in hits if h.doc_id in docs]):
            return CacheDecision(entry, score)
    return CacheDecision(None, best)


def clamp_similarity(value: float | None) -> float | None:
    """Cosine scores can overshoot 1.0 by float error; the event schema bounds them to [-1, 1]."""
    return None if value is None else max(-1.0, min(1.0, float(value)))


@dataclass
class PendingReply:
    """What `handle` knew about a reply that `on_reply` needs: the sources it used (for history and the
    cache) and, when the reply may be cached, the question embedding and its scope."""

    tenant_id: str
    conversation_id: str
    sources: list[SourceSnippet]
    kb_version: int = 0
    vector: np.ndarray | None = None
    scope: CacheScope | None = None
    cacheable: bool = False
    question_terms: list[str] = field(default_factory=list)  # digests, from question_signature()
    question_keys: list[str] = field(default_factory=list)
    question_kind: str | None = None
    doc_ids: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        self.doc_ids = frozenset(s.doc_id for s in self.sources)

    def entry(self, reply_id: str, text: str, model: str | None) -> CacheEntry | None:
        if not self.cacheable or self.scope is None or self.vector is None or not self.sources:
            return None
        by_doc: dict[str, CachedSource] = {}
        for s in self.sources:
            by_doc.setdefault(s.doc_id, CachedSource(doc_id=s.doc_id, version=s.version, chunk_id=s.chunk_id,
                                                     title=s.title))
        return CacheEntry(
            reply_id=reply_id,
            tenant_id=self.tenant_id,
            text=text,
            sources=list(by_doc.values()),
            kb_version=self.kb_version,
            lang=self.scope.lang,
            config_revision=self.scope.config_revision,
            embed_model=self.scope.embed_model,
            model=model,
            question_terms=self.question_terms,
            question_keys=self.question_keys,
            question_kind=self.question_kind,
        )


class PendingReplies:
    """Bounded, in-process: a reply whose verdict never arrives (or arrives at another worker after a
    rebalance) is simply not cached.

    It also remembers which replies are out (every final reply passes through `pop`, on every replica), so a
    redelivered turn whose reply already exists is not generated again; that memory is bounded by count and
    age (a turn redelivered later than that is generated again, and its same reply id is deduped downstream)."""

    def __init__(
        self,
        capacity: int = 4096,
        answered_capacity: int = 50_000,
        answered_max_age_s: float = 3_600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.capacity = capacity
        self._items: OrderedDict[str, PendingReply] = OrderedDict()
        self.answered_capacity = answered_capacity
        self.answered_max_age_s = answered_max_age_s
        self._clock = clock
        self._answered: OrderedDict[str, float] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def put(self, reply_id: str, pending: PendingReply) -> None:
        self._items[reply_id] = pending
        self._items.move_to_end(reply_id)
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)

    def pop(self, reply_id: str) -> PendingReply | None:
        """The reply's verdict arrived: what waited for it, if this replica drafted it."""
        self._answered.pop(reply_id, None)
        self._answered[reply_id] = self._clock()
        while len(self._answered) > self.answered_capacity:
            self._answered.popitem(last=False)
        return self._items.pop(reply_id, None)

    def answered(self, reply_id: str) -> bool:
        """True when this reply is out already (a redelivered turn): counted in DEDUPED."""
        horizon = self._clock() - self.answered_max_age_s
        while self._answered:
            oldest, at = next(iter(self._answered.items()))
            if at >= horizon:
                break
            del self._answered[oldest]
        if reply_id in self._answered:
            metrics.DEDUPED.labels("generation", "answered_turn").inc()
            return True
        return False

    def drop_doc(self, tenant_id: str, doc_id: str) -> int:
        """A document changed: replies drafted from its old version must not be cached when approved."""
        stale = [k for k, p in self._items.items() if p.tenant_id == tenant_id and doc_id in p.doc_ids]
        for key in stale:
            self._items[key].cacheable = False
        return len(stale)
