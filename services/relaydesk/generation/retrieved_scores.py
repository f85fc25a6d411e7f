"""Sentence similarities that retrieval already computed: its second stage scores the e5 query against the
sentences of the top documents (embedded at index time as "title: sentence"), and each hit carries the scores
of its own sentences. Reusing them spares generation embedding every retrieved sentence again (40-50 ms each
on one thread when cold).

A source sentence the unit search did not return ranked below every returned one, so it takes the query's
`sentence_floor`. A source that is not one of the turn's hits (a follow-up's remembered passage), or a turn
whose second stage did not run, gets no scores here: the caller embeds instead.
"""

from __future__ import annotations

from collections.abc import Sequence

from relaydesk.common.list_items import strip_list_marker
from relaydesk.events.annotations import RetrievalAnnotation
from relaydesk.generation.ports import SourceSnippet


def _key(sentence: str) -> str:
    """Knowledge units are stored without a list item's marker ("1. Open the app." is "Open the app.")."""
    return strip_list_marker(sentence.strip())


def retrieved_scores(
    retrieval: RetrievalAnnotation | None, sources: Sequence[SourceSnippet], split: Sequence[Sequence[str]]
) -> list[list[float]] | None:
    """`split[i]`: the sentences of `sources[i]`; the result has the same shape, or None when retrieval's
    scores do not cover every source."""
    if retrieval is None or retrieval.sentence_floor is None:
        return None
    floor = retrieval.sentence_floor
    by_chunk = {h.chunk_id: {_key(s.text): s.score for s in h.sentences} for h in retrieval.hits if h.sentences}
    out: list[list[float]] = []
    for source, parts in zip(sources, split, strict=True):
        scores = by_chunk.get(source.chunk_id)
        if scores is None:
            return None
        out.append([min(scores.get(_key(p), floor), 1.0) for p in parts])
    return out
