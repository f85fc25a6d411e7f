"""The sentences that answer: retrieved passages are ranked sentence by sentence against the question, so
the prompt carries only what answers (a 135M model copies whatever it is shown) and the extractive answer
quotes up to three sentences (within ~280 characters) instead of a whole passage.

A sentence's score is the query-sentence similarity of the stage's embedder when vectors are at hand, else
the share of the question's content terms it holds (weighted by how rare each term is among the candidate
sentences), with the passage's title counting a quarter. A question asking for a price, a duration, a count or
a limit adds a small bonus to the sentences that state one (`answer_kind`), and one asking what to do adds it to
the sentences that give a step (`answer_steps`). `overlap` stays lexical in both
cases: it is the evidence the "I don't know" rule reads.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from relaydesk.common.lang import detect_lang
from relaydesk.generation.answer_kind import quantity_kinds, states_kind
from relaydesk.generation.answer_steps import asks_steps, gives_steps
from relaydesk.generation.ports import SourceSnippet
from relaydesk.generation.tables import find_tables
from relaydesk.generation.text import content_terms, sentences

_BULLET = re.compile(r"^[-*+•]\s+")  # a list item's marker, dropped when quoted inside running text
_SENTENCE_STOP = re.compile(r"[.!?:;。！？：；…)）」\"”]$")
_NOT_HEADING = re.compile(r"^([-*+•|>]|\d+[.)])")  # a list item, a table row, a quote
_TITLE_WEIGHT = 0.25
_LEXICAL_WITH_VECTORS = 0.1  # with vectors, lexical coverage only breaks near-ties
_NEAR_BEST_VECTOR = 0.05  # a third sentence sharing no word with the question must score this close to the best
_TOP_SOURCE_MARGIN = 0.03  # the top-ranked source's best sentence wins unless another source's is this much better
# A question asking for a price, a duration, a count or a limit: a sentence stating that kind of quantity gains
# this much (on the embedder's similarity scale, about the spread of e5 scores over one article's sentences; a
# quarter of the title's weight on the lexical one). On the reply eval's dev split (extractive answers), 0.02 to
# 0.04 held the fact for 40 of 56 questions and 0.05 to 0.12 for 41 (0: 39); the smallest of the plateau is used.
_KIND_BONUS_VECTOR = 0.05
_KIND_BONUS_LEXICAL = 0.0625
# A question asking what to do: a sentence giving a step (`answer_steps`) gains the same bonus as a sentence
# stating an asked quantity. On the reply eval's dev split (extractive answers) that held the fact for 45 of 56
# in-scope questions (43 without; half the bonus 44, one and a half times it 43, twice 41).


@dataclass(frozen=True)
class RankedSentence:
    source: int  # index into the sources
    position: int  # index of the sentence in its source
    text: str
    score: float  # relevance to the question, higher is better
    overlap: float  # share of the question's (weighted) content terms in the sentence or its title, 0..1
    matched: frozenset[str] = frozenset()  # the question's content terms the sentence itself holds
    vector: float = 0.0  # the embedder's query-sentence similarity alone (0 without vectors)


def source_sentences(sources: Sequence[SourceSnippet]) -> list[list[str]]:
    return [sentences(s.text) or [s.text.strip()] for s in sources]


def rank_sentences(
    question: str,
    sources: Sequence[SourceSnippet],
    vector_scores: Sequence[Sequence[float]] | None = None,
) -> list[RankedSentence]:
    """Every sentence of every source, best first; ties go to retrieval order, then to earlier sentences.
    `vector_scores[i][j]`: the embedder's similarity of sentence j of source i to the question."""
    split = source_sentences(sources)
    q_terms = set(content_terms(question))
    kinds = quantity_kinds(question)
    steps = asks_steps(question)
    bonus = _KIND_BONUS_VECTOR if vector_scores is not None else _KIND_BONUS_LEXICAL
    bags = [[set(content_terms(s)) for s in parts] for parts in split]
    weight = _idf(q_terms, [b for per_source in bags for b in per_source])
    total = sum(weight.values())
    ranked: list[RankedSentence] = []
    for i, (source, parts) in enumerate(zip(sources, split, strict=True)):
        title_terms = set(content_terms(source.title))
        title_cover = _cover(q_terms, title_terms, weight, total)
        for j, text in enumerate(parts):
            own = _cover(q_terms, bags[i][j], weight, total)
            overlap = _cover(q_terms, bags[i][j] | title_terms, weight, total)
            lexical = own + _TITLE_WEIGHT * title_cover
            vector = float(vector_scores[i][j]) if vector_scores is not None else 0.0
            score = vector + _LEXICAL_WITH_VECTORS * lexical if vector_scores is not None else lexical
            if kinds and states_kind(text, kinds):
                score += bonus
            if steps and gives_steps(text):
                score += bonus
            ranked.append(RankedSentence(i, j, text, score, overlap, frozenset(q_terms & bags[i][j]), vector))
    return sorted(ranked, key=lambda r: (-r.score, r.source, r.position))


def _idf(q_terms: set[str], bags: Sequence[set[str]]) -> dict[str, float]:
    n = max(1, len(bags))
    return {t: math.log(1.0 + n / (1.0 + sum(t in b for b in bags))) for t in q_terms}


def _cover(q_terms: set[str], terms: set[str], weight: dict[str, float], total: float) -> float:
    if not total:
        return 0.0
    return sum(weight[t] for t in q_terms & terms) / total


def focus_sources(
    sources: Sequence[SourceSnippet], ranked: Sequence[RankedSentence], max_sentences: int
) -> list[SourceSnippet]:
    """The sources cut down to their best sentences (at most `max_sentences` in all, plus the sentence after
    the best one, which often holds its steps), each source keeping its sentences in their own order;
    sources ordered by their best sentence. When some sentence shares words with the question, sentences
    that share none are left out (a title's words do not make its every sentence an answer)."""
    if not ranked:
        return list(sources)
    best = lead_sentence(ranked)
    top = [best, *[r for r in ranked if r is not best][: max(max_sentences - 1, 0)]]
    if best.matched:  # words decide: a sentence holding none of the question's words does not answer
        top = [r for r in top if r.matched]
    chosen: dict[int, set[int]] = {}
    for r in top:
        chosen.setdefault(r.source, set()).add(r.position)
    split = source_sentences(sources)
    if best.position + 1 < len(split[best.source]):
        chosen[best.source].add(best.position + 1)
    out: list[SourceSnippet] = []
    for i in dict.fromkeys(r.source for r in (best, *ranked) if r.source in chosen):
        text = " ".join(split[i][j] for j in sorted(chosen[i]))
        out.append(sources[i].model_copy(update={"text": text}))
    return out


def quote(
    sources: Sequence[SourceSnippet], ranked: Sequence[RankedSentence], max_chars: int, max_sentences: int = 3
) -> tuple[SourceSnippet, str] | None:
    """The sentences that answer, from the best sentence's source, in their own order: the best sentence, then
    the sentence after it (the fact is often there: "Savings pots earn interest." then "... 2.1% a year"),
    then the next best of the same source, at most `max_sentences` in all, each taken only while the quote
    stays within `max_chars`. One source, so the reply cites what it quotes. On the reply eval's dev split,
    with the embedder ranking, best + next + same-source best (3 sentences) held the fact for 0.607 of
    in-scope questions against 0.554 for best + next alone (median 186 characters against 113).

    A section heading is never quoted (it reads as a sentence without its verb, "Marked as delivered but not
    received If it still..."): the sentence after it stands in when the heading ranks best, and the sentence
    after the best is not taken across a heading into the next section. A table's header and separator are
    not quoted either; a row is said with its column names (`tables.py`), without the row after it."""
    if not ranked:
        return None
    best = lead_sentence(ranked)
    tables = find_tables(sources[best.source].text)
    heads = _headings(sources[best.source].text) | tables.frame
    own = [r for r in ranked if r.source == best.source and r.text not in heads]
    if not own:  # nothing but heading-like lines: quote them as they are
        heads, own = frozenset(), [r for r in ranked if r.source == best.source]
    if best.text in heads:  # the heading's own section speaks for it: its first sentence leads
        best = next((r for r in own if r.position == best.position + 1), own[0])
    # The next table row is another item, not the rest of this one's answer.
    follower = [] if best.text in tables.rows else [r for r in own if r.position == best.position + 1]
    others = [  # a further sentence must answer a part the best does not (a word of the question the best
        # lacks) or be nearly as similar to the question as the best
        r
        for r in own
        if r is not best and r.position != best.position + 1
        and (r.matched - best.matched or (best.vector and r.vector >= best.vector - _NEAR_BEST_VECTOR))
    ]

    def said(r: RankedSentence) -> str:  # a table row with its column names, a list item without its marker
        return tables.rows.get(r.text) or _BULLET.sub("", r.text)

    picked = [best]
    length = len(said(best))
    for r in follower + others:
        if len(picked) >= max_sentences:
            break
        if length + 1 + len(said(r)) <= max_chars:
            picked.append(r)
            length += 1 + len(said(r))
    text = " ".join(said(r) for r in sorted(picked, key=lambda r: r.position))
    if len(text) > max_chars:
        cut = text[:max_chars]
        text = (cut.rsplit(" ", 1)[0] if " " in cut else cut) + "…"
    return sources[best.source], text


def _headings(text: str) -> frozenset[str]:
    """The lines of a passage that are section headings: chunks start each section with its heading line
    (`knowledge/chunking.py`), a line with no sentence-ending punctuation that other lines follow. List
    items and table rows are content, not headings."""
    lines = [line.strip() for line in text.split("\n")]
    return frozenset(
        line for line, after in itertools.pairwise(lines)
        if line and after and not _SENTENCE_STOP.search(line) and not _NOT_HEADING.match(line)
    )


def lead_sentence(ranked: Sequence[RankedSentence]) -> RankedSentence:
    """The sentence a quote leads with: the best sentence, unless it comes from a lower-ranked source and the
    top source's best sentence is nearly as good: retrieval has already re-ranked the documents on their best
    sentence and title, with more evidence than one sentence's similarity ("I lost my card, can you block
    it?" must quote the lost-or-stolen article, not the freeze article's "you can block your card"). The
    margin is about the spread of e5 similarities between paraphrases; it was set by hand, not tuned on the
    reply eval."""
    best = ranked[0]
    if best.source == 0:
        return best
    lead = next((r for r in ranked if r.source == 0), None)
    return lead if lead is not None and best.score - lead.score <= _TOP_SOURCE_MARGIN else best


def same_language(question: str, passage: str) -> bool:
    """Lexical evidence means something only when the question and the passage share a language."""
    return detect_lang(question, "en") == detect_lang(passage, "en")
