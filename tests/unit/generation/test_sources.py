"""Which passages a reply may use, and when a question is a follow-up."""

from __future__ import annotations

import pytest

from relaydesk.events import RetrievalHit
from relaydesk.generation.ports import HistoryTurn, SourceSnippet
from relaydesk.generation.sources import is_follow_up, select_sources

ANSWERED = [HistoryTurn(turn_id="t1", role="customer", text="What shipping options are there?"),
            HistoryTurn(turn_id="t1", role="assistant", text="Standard and express.")]


@pytest.mark.parametrize(
    ("question", "history", "follow_up"),
    [
        # refers back with a pronoun
        ("How long does that take?", ANSWERED, True),
        # very short
        ("And express?", ANSWERED, True),
        # "what about ..."
        ("What about shipping to Norway, is it possible?", ANSWERED, True),
        # Chinese and Japanese back-references
        ("那个要多久？", ANSWERED, True),
        ("それはいくらですか", ANSWERED, True),
        # a new, self-contained question
        ("Can I pay with PayPal at checkout?", ANSWERED, False),
        # nothing answered yet
        ("How long does that take?", ANSWERED[:1], False),
        # no history
        ("And express?", [], False),
    ],
)
def test_when_question_refers_back_then_follow_up(question: str, history: list, follow_up: bool) -> None:
    assert is_follow_up(question, history) is follow_up


def remembered(version: int) -> list[HistoryTurn]:
    source = SourceSnippet(doc_id="shipping", chunk_id="shipping#0", text="Express takes 1 day.", version=version)
    return [*ANSWERED[:1], ANSWERED[1].model_copy(update={"sources": [source]})]


def hit(doc_id: str, version: int = 1, chunk: int = 0) -> RetrievalHit:
    return RetrievalHit(doc_id=doc_id, chunk_id=f"{doc_id}#{chunk}", title="", text=f"{doc_id} text", score=1.0,
                        version=version)


@pytest.mark.parametrize(
    ("hits", "follow_up", "expected"),
    [
        # not a follow-up: the hits alone
        ([hit("payments")], False, [("payments#0", 1)]),
        # a follow-up: the previous answer's passage first
        ([hit("payments")], True, [("shipping#0", 1), ("payments#0", 1)]),
        # the same chunk retrieved again: once, as retrieved now
        ([hit("shipping", 1)], True, [("shipping#0", 1)]),
        # its document has a newer version now: the remembered passage is dropped
        ([hit("shipping", 2, chunk=1)], True, [("shipping#1", 2)]),
        # nothing retrieved, but something to carry over
        ([], True, [("shipping#0", 1)]),
    ],
)
def test_when_selecting_sources_then_hits_and_carried_passage_combine(
    hits: list[RetrievalHit], follow_up: bool, expected: list[tuple[str, int]]
) -> None:
    chosen = select_sources(hits, remembered(1), follow_up, limit=3)
    assert [(s.chunk_id, s.version) for s in chosen] == expected
