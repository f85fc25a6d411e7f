"""Tidy a generated answer and judge whether it is grounded in the sources it was given.

The 135M model loops, announces ("The answer is:"), cites chunk ids and drifts off the sources. The check
is lexical and strict: most of the answer's content words, and every number in it, must come from the
sources (or, unless the turn was flagged as an attack, from the customer's own question). And the same holds
sentence by sentence against one place in the sources: each answer sentence must draw most of its words and
all of its numbers from one source sentence and its neighbour, so words and numbers gathered from all over the
sources ("The daily limit ... is 2,500 EUR", where 2,500 EUR is another limit) are not vouched for. Words from
the sources are not enough: the answer must not flip a negation, add a condition, change a unit, or only hand
the question back (`contradiction.py`), nor give a figure for another period than the sources' ("2.1% per
month" for "2.1% a year", `rate_period.py`). `Grounding.reason` says which rule failed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from relaydesk.generation.contradiction import (
    asks_back,
    negation_conflict,
    restates_question,
    unit_conflicts,
    unsupported_condition,
)
from relaydesk.generation.rate_period import period_conflicts
from relaydesk.generation.text import content_terms, numbers, sentences

_CITATION = re.compile(r"\s*[\[(](?:source|doc|id)?[:\s]*[A-Za-z0-9][A-Za-z0-9._:/#-]*#\d+[\])]", re.I)
_SOURCE_LABEL = re.compile(r"\s*\[(?:source\s*)?\d+\]", re.I)
# "[card-pin]": the model copies a passage's id from the prompt (an id is a lowercase slug, never prose).
_ID_LABEL = re.compile(r"\s*\[[a-z0-9]+(?:[-_][a-z0-9]+)*\]")
_LIST_MARK = re.compile(r"(?:^|(?<=[.!?:;。！？])\s+)[-*•]\s+")
_LEAD_IN = re.compile(
    r"^\s*(?:(?:the\s+)?(?:[a-z]+\s+)?answer"
    r"(?:\s+to\s+(?:this|the|your)\s+question)?(?:\s+\"[^\"]*\")?\s+is\s*:?"
    r"|answer\s*:|a\s*:|response\s*:|assistant\s*:"
    # "source: You can ...", "The source of the information is: ..." (only with the colon: prose stays)
    r"|(?:the\s+)?sources?(?:\s+of\s+(?:the|this)\s+information)?(?:\s+(?:is|says))?\s*:)\s*",
    re.I,
)
_END = re.compile(r"[.!?。！？]$")


@dataclass(frozen=True)
class Grounding:
    supported: bool
    support: float  # share of the answer's content terms found in the sources (or the question)
    unsupported_numbers: tuple[str, ...]
    source_indices: tuple[int, ...]  # the sources the answer drew on, most used first
    # Why the answer is not vouched for (None when supported): no_content, number, unit, period, unsupported_terms,
    # unattributed, local_terms, local_number, negation, condition, restates_question.
    reason: str | None = None


def clean_answer(raw: str, finish_reason: str | None = None) -> str:
    text = _ID_LABEL.sub("", _SOURCE_LABEL.sub("", _CITATION.sub("", raw))).strip()
    # List items are sentences of their own ("- The answer is: ... - The answer is: ...").
    text = _LIST_MARK.sub("\n", text)
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


def cut_off(answer: str, finish_reason: str | None) -> bool:
    """The token limit stopped the answer mid-sentence and no whole sentence was left (`clean_answer` drops a
    cut-off tail when one is): a fragment ("...payments will all") is not an answer, however grounded."""
    return finish_reason == "length" and bool(answer) and not _END.search(answer.rstrip(" \"'”」）)"))


def settled_failure(partial: str, sources: Sequence[str], question: str, min_support: float) -> str | None:
    """While the answer streams: the reason its finished sentences already fail the per-sentence check (or
    ask a question back), else None. Every sentence of the tidied partial answer but the last is settled: it
    stays as it is in the tidied whole answer, whose check tests each sentence, so a failure here is final and
    decoding can stop (most rejected answers fail in their first sentence)."""
    settled = sentences(clean_answer(partial))[:-1]
    if not settled:
        return None
    if question.strip() and asks_back(" ".join(settled)):
        return "restates_question"
    return _local_failure(" ".join(settled), sources, question, min_support)


def check_grounding(answer: str, sources: Sequence[str], question: str, min_support: float) -> Grounding:
    terms = content_terms(answer)
    source_terms = [set(content_terms(s)) for s in sources]
    source_numbers: set[str] = set(numbers(question))
    for s in sources:
        source_numbers |= numbers(s)
    unsupported_numbers = tuple(sorted(numbers(answer) - source_numbers))
    if not terms:
        return Grounding(False, 0.0, unsupported_numbers, (), "no_content")
    allowed = set(content_terms(question)).union(*source_terms)
    support = sum(t in allowed for t in terms) / len(terms)
    used = tuple(_attribute(set(terms) | numbers(answer), [st | numbers(s) for st, s in zip(source_terms, sources,
                                                                                          strict=True)]))
    reason = _first_failure(answer, sources, question, support, min_support, unsupported_numbers, used)
    return Grounding(reason is None, support, unsupported_numbers, used, reason)


def _first_failure(
    answer: str, sources: Sequence[str], question: str, support: float, min_support: float,
    unsupported_numbers: tuple[str, ...], used: tuple[int, ...],
) -> str | None:
    if unsupported_numbers:
        return "number"
    if unit_conflicts(answer, sources):
        return "unit"
    if period_conflicts(answer, sources):
        return "period"
    if support < min_support:
        return "unsupported_terms"
    if not used:
        return "unattributed"
    local = _local_failure(answer, sources, question, min_support)
    if local is not None:
        return local
    if negation_conflict(answer, sources):
        return "negation"
    if unsupported_condition(answer, sources) is not None:
        return "condition"
    if restates_question(answer, question):
        return "restates_question"
    return None


def _source_sentences(sources: Sequence[str]) -> list[list[tuple[set[str], set[str]]]]:
    """(terms, numbers) of each sentence of each source."""
    return [[(set(content_terms(p)), numbers(p)) for p in (sentences(s) or [s])] for s in sources]


def _local_failure(answer: str, sources: Sequence[str], question: str, min_support: float) -> str | None:
    """Each answer sentence against one place in the sources. `local_terms`: no source sentence with the one
    after it (a fact often spans the two) holds most of its words (with the question's). `local_number`: a
    number of it is not in the source sentence that holds most of its and the question's words (nor in the
    next one, when that sentence has no number of its own): where the claim is stated, its figure must be."""
    per_source = _source_sentences(sources)
    q_terms, q_numbers = set(content_terms(question)), numbers(question)
    for sentence in sentences(answer):
        terms = content_terms(sentence)
        if not terms:
            continue
        wanted = numbers(sentence) - q_numbers
        # The place that states the claim is the sentence holding most of the claim's and the question's
        # words: a bare "14 days" matches every sentence about days, the one about the claim asked for wins.
        claim = set(terms) | q_terms
        best_window, best_single, places = 0.0, -1.0, []
        for parts in per_source:
            for i, (s_terms, s_numbers) in enumerate(parts):
                after = parts[i + 1] if i + 1 < len(parts) else (set(), set())
                single = len(claim & s_terms)
                window = sum(t in s_terms or t in after[0] or t in q_terms for t in terms) / len(terms)
                best_window = max(best_window, window)
                allowed = s_numbers or after[1]
                if single > best_single:
                    best_single, places = single, [allowed]
                elif single == best_single:
                    places.append(allowed)
        if best_window < min_support:
            return "local_terms"
        if wanted and not any(wanted <= allowed for allowed in places):
            return "local_number"
    return None


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
