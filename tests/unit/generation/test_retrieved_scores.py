"""Generation ranks a turn's sentences with the similarities retrieval already computed, and embeds only when
those do not cover every source."""

from __future__ import annotations

import numpy as np
import pytest

from relaydesk.events import ReplyDraft, RetrievalAnnotation, SentenceScore
from relaydesk.generation.core import handle
from relaydesk.generation.ports import SourceSnippet
from relaydesk.generation.retrieved_scores import retrieved_scores
from unit.generation.generation_doubles import SHIPPING, ScriptedGenerator, hit, make_deps, make_turn

pytestmark = pytest.mark.unit

STEPS = "To change your plan:\n1. Open the app.\n2. Tap Plans and choose one."


class NeverScorer:
    """A sentence scorer that must not be asked: the turn's retrieval scores cover it."""

    calls = 0

    def similarities(self, *args: object, **kwargs: object) -> np.ndarray:
        NeverScorer.calls += 1
        raise AssertionError("the retrieved sentences were embedded again")


def annotation(*hits: object, floor: float | None = 0.70) -> RetrievalAnnotation:
    return RetrievalAnnotation(kb_version=1, query="q", hits=list(hits), sentence_floor=floor)


def snippet(doc_id: str, text: str) -> SourceSnippet:
    return SourceSnippet(doc_id=doc_id, chunk_id=f"{doc_id}#0", text=text)


def test_when_a_list_item_was_stored_without_its_marker_then_it_keeps_its_score_and_unscored_ones_take_the_floor():
    h = hit("plans", STEPS).model_copy(update={"sentences": [SentenceScore(text="Open the app.", score=0.91)]})
    split = [["To change your plan:", "1. Open the app.", "2. Tap Plans and choose one."]]
    assert retrieved_scores(annotation(h), [snippet("plans", STEPS)], split) == [[0.70, 0.91, 0.70]]


def test_when_a_source_is_not_a_scored_hit_or_the_second_stage_did_not_run_then_no_scores():
    scored = hit("shipping", SHIPPING).model_copy(update={"sentences": [SentenceScore(text="x", score=0.9)]})
    remembered = snippet("refunds", "Refunds take five days.")  # a follow-up's passage from an earlier turn
    assert retrieved_scores(annotation(scored), [remembered], [["Refunds take five days."]]) is None
    assert retrieved_scores(annotation(scored, floor=None), [snippet("shipping", SHIPPING)], [["a"]]) is None
    assert retrieved_scores(None, [snippet("shipping", SHIPPING)], [["a"]]) is None


async def test_when_retrieval_scored_the_sentences_then_they_rank_the_quote_without_embedding_again() -> None:
    question = "How fast is express delivery?"
    scored = hit("shipping", SHIPPING, title="Shipping").model_copy(update={"sentences": [
        SentenceScore(text="Express shipping arrives the next business day.", score=0.93),
        SentenceScore(text="Standard shipping takes 3 to 5 business days.", score=0.86),
    ]})
    turn = make_turn(question, hits=[scored], vector=np.ones(384, dtype=np.float32) / np.sqrt(384))
    turn = turn.model_copy(update={"retrieval": turn.retrieval.model_copy(update={"sentence_floor": 0.80})})
    deps = make_deps(ScriptedGenerator(""))
    deps.sentence_scorer = NeverScorer()
    outputs = await handle(turn, deps)
    draft = next(e for e in outputs if isinstance(e, ReplyDraft))
    assert NeverScorer.calls == 0
    assert draft.mode == "extractive" and draft.sources_used == ["shipping"]
    assert "Express shipping arrives the next business day." in draft.text
