"""The scorer: a rubric and a conversation in, an answer per question (with confidence and redacted evidence),
the score and the auto-fail flag out. Pure: the PII recognisers and groundedness rules are plain functions."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from relaydesk.compliance.groundedness import check_grounded
from relaydesk.qa.checks import CHECKS, CheckContext, CheckResult, Evidence
from relaydesk.qa.conversation import Conversation
from relaydesk.qa.rubric import Rubric

SPAN_CHARS = 60
_LONG_DIGITS = re.compile(r"\d[\d \-]{2,}\d")
_SECRETISH = re.compile(r"(?<![\w])(?=[\w-]*\d)(?=[\w-]*[A-Za-z])[\w-]{5,}(?![\w])")


@dataclass(frozen=True)
class AnswerResult:
    answer: str
    confidence: float
    evidence: tuple[int, ...]  # the turns, in order, once each
    spans: tuple[tuple[int, str], ...]  # (turn, short redacted span) per piece of evidence

    def to_dict(self) -> dict[str, Any]:
        return {
            "answer": self.answer,
            "confidence": round(self.confidence, 3),
            "evidence": list(self.evidence),
            "spans": [{"turn": turn, "span": span} for turn, span in self.spans],
        }


@dataclass(frozen=True)
class QaResult:
    conversation_id: str
    rubric_version: str
    answers: dict[str, AnswerResult]
    score: float | None
    auto_failed: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "conversation_id": self.conversation_id,
            "rubric_version": self.rubric_version,
            "answers": {q: a.to_dict() for q, a in self.answers.items()},
            "score": self.score,
            "auto_failed": self.auto_failed,
        }


@lru_cache(maxsize=1)
def _recognizers() -> list[Any]:
    # The checksummed recognisers alone (no spaCy): QA needs cards and national ids, not names.
    from relaydesk.compliance.pii.recognizers import structured_recognizers

    return structured_recognizers()


def pii_spans(text: str) -> list[tuple[str, int, int]]:
    return [(r.ENTITY, s, e) for r in _recognizers() for s, e, _score in r.spans(text)]


def claim_spans(text: str, sources: Sequence[str]) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(every factual claim, the claims the sources do not support), by compliance's groundedness rules.
    With no sources every claim is unsupported, which is how the claims themselves are found."""
    skip = [(s, e) for _t, s, e in pii_spans(text)]
    claims = [(f.start or 0, f.end or 0) for f in check_grounded(text, [], skip=skip)]
    if not claims:
        return [], []
    unsupported = [(f.start or 0, f.end or 0) for f in check_grounded(text, list(sources), skip=skip)]
    return claims, unsupported


_LATIN = re.compile(r"[a-z]{3,}")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]+")
_STOP = frozenset({
    "the", "and", "you", "your", "can", "from", "with", "for", "this", "that", "are", "was", "will", "our", "has",
    "have", "its", "any", "via", "please", "also", "just", "anda", "bisa", "dari", "dengan", "untuk", "yang", "dan",
    "ini", "itu", "kami",
})


def _content(text: str) -> set[str]:
    lowered = text.lower()
    words = {w for w in _LATIN.findall(lowered) if w not in _STOP}
    pairs = {run[i : i + 2] for run in _CJK.findall(text) for i in range(len(run) - 1)}
    return words | pairs


def support(text: str, sources: Sequence[str]) -> float:
    """The share of `text`'s content words (CJK: character pairs) that occur in the sources."""
    mine = _content(text)
    if not mine:
        return 0.0
    theirs = _source_content(tuple(sources))
    return len(mine & theirs) / len(mine)


@lru_cache(maxsize=256)
def _source_content(sources: tuple[str, ...]) -> frozenset[str]:
    return frozenset(_content("\n".join(sources)))


def default_context() -> CheckContext:
    return CheckContext(pii_spans=pii_spans, claims=claim_spans, support=support)


def redact_span(text: str, start: int, end: int) -> str:
    """A short window around the evidence, with card/id numbers, long digit runs and code-like tokens masked."""
    if end <= start:
        start, end = 0, min(len(text), SPAN_CHARS)
    middle = (start + end) // 2
    lo = max(0, min(start, middle - SPAN_CHARS // 2))
    hi = min(len(text), max(lo + SPAN_CHARS, end) if end - lo <= SPAN_CHARS else lo + SPAN_CHARS)
    window = text[lo:hi]
    masked = list(window)
    for _kind, s, e in pii_spans(window):
        for k in range(s, e):
            masked[k] = "#"
    window = "".join(masked)
    window = _LONG_DIGITS.sub(lambda m: "#" * len(m.group()), window)
    window = _SECRETISH.sub(lambda m: "#" * len(m.group()), window)
    return ("…" if lo > 0 else "") + window.strip() + ("…" if hi < len(text) else "")


def _spans(conv: Conversation, evidence: Sequence[Evidence]) -> tuple[tuple[int, str], ...]:
    return tuple(
        (ev.turn, redact_span(conv.turns[ev.turn].text, ev.start, ev.end))
        for ev in evidence
        if 0 <= ev.turn < len(conv.turns)
    )


def score_conversation(conv: Conversation, rubric: Rubric, ctx: CheckContext | None = None) -> QaResult:
    ctx = ctx or default_context()
    facts = conv.facts()
    answers: dict[str, AnswerResult] = {}
    for q in rubric.questions():
        if not q.applies(facts):
            result = CheckResult("na", 0.95)
        else:
            check = CHECKS.get(q.check_name)
            if check is None:
                raise KeyError(f"rubric question {q.id}: no check named {q.check_name!r}")
            result = check(conv, ctx)
        answer = result.answer
        if answer == "na" and not q.allow_na:
            answer = "yes"  # a question that cannot be na and found nothing to fault
        turns = tuple(dict.fromkeys(e.turn for e in result.evidence))
        answers[q.id] = AnswerResult(answer, result.confidence, turns, _spans(conv, result.evidence))
    score, failed = rubric.score({q: a.answer for q, a in answers.items()})
    return QaResult(conv.conversation_id, rubric.version, answers, score, failed)
