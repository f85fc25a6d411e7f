"""Tidy a generated answer and judge whether it is grounded in the sources it was given.

The 135M model loops, announces ("The answer is:"), cites chunk ids and drifts off the sources. The check
is lexical and strict: most of the answer's content words, and every number in it, must come from the
sources (or, unless the turn was flagged as an attack, from the customer's own question).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from relaydesk.generation.text import content_terms, numbers, sentences

_CITATION = re.compile(r"\s*[\[(](?:source|doc|id)?[:\s]*[A-Za-z0-9][A-Za-z0-9._:/#-]*#\d+[\])]", re.I)
_SOURCE_LABEL = re.compile(r"\s*\[(?:source\s*)?\d+\]", re.I)
_LEAD_IN = re.compile(
    r"^\s*(?:(?:the\s+)?answer(?:\s+to\s+(?:this|the|your)\s+question)?(?:\s+\"[^\"]*\")?\s+is\s*:?"
    r"|answer\s*:|a\s*:|response\s*:|assistant\s*:)\s*",
    re.I,
)
_END = re.compile(r"[.!?。！？]$")


@dataclass(frozen=True)
class Grounding:
    supported: bool
    support: float  # share of the answer's content terms found in the sources (or the question)
    unsupported_numbers: tuple[str, ...]
    source_indices: tuple[int, ...]  # the sources the answer drew on, most used first


def clean_answer(raw: str, finish_reason: str | None = None) -> str:
    text = _SOURCE_LABEL.sub("", _CITATION.sub("", raw)).strip()
    kept: list[str] = []
    seen: set[str] = set()
    for raw_sentence in sentences(text):
        sentence = raw_sentence
        for _ in range(2):  # "A: The answer is: ..." has two lead-ins
            sentence = _LEAD_IN.sub("", sentence, count=1).strip().strip('"').strip()
        if not sentence:
            continue
        key = " ".join(sentence.lower().split())
        if key in seen:
            continue
        seen.add(key)
        kept.append(sentence)
    # A reply cut off by the token limit ends mid-sentence; drop the fragment when a whole sentence remains.
    if finish_reason == "length" and len(kept) > 1 and not _END.search(kept[-1]):
        kept.pop()
    return " ".join(kept).strip()


def check_grounding(answer: str, sources: Sequence[str], question: str, min_support: float) -> Grounding:
    terms = content_terms(answer)
    source_terms = [set(content_terms(s)) for s in sources]
    source_numbers: set[str] = set(numbers(question))
    for s in sources:
        source_numbers |= numbers(s)
    unsupported_numbers = tuple(sorted(numbers(answer) - source_numbers))
    if not terms:
        return Grounding(False, 0.0, unsupported_numbers, ())
    allowed = set(content_terms(question)).union(*source_terms)
    support = sum(t in allowed for t in terms) / len(terms)
    used = _attribute(set(terms) | numbers(answer), [st | numbers(s) for st, s in zip(source_terms, sources,
                                                                                    strict=True)])
    supported = support >= min_support and not unsupported_numbers and bool(used)
    return Grounding(supported, support, unsupported_numbers, tuple(used))


def _attribute(answer_terms: set[str], source_terms: Sequence[set[str]]) -> list[int]:
    """Greedy cover: the source sharing most of the answer's terms, then any other that adds at least two
    terms not covered yet. Words common to every page ("order", "business day") do not make a source used."""
    used: list[int] = []
    covered: set[str] = set()
    remaining = set(range(len(source_terms)))
    while remaining:
        gain, best = max((len((answer_terms & source_terms[i]) - covered), -i) for i in remaining)
        needed = 1 if not used else 2
        if gain < needed:
            break
        used.append(-best)
        covered |= answer_terms & source_terms[-best]
        remaining.discard(-best)
    return used
