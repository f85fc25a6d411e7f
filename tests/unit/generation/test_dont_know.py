"""Saying "I don't know" well: out of scope, or no passage that answers, gets a reply in the customer's
language that names the closest topics and passes the question to a person; never an unrelated article."""

from __future__ import annotations

import pytest

from relaydesk.common import metrics
from relaydesk.events import Handoff, IntentAnnotation, ReplyDraft
from relaydesk.generation.answer_sentences import rank_sentences
from relaydesk.generation.core import handle
from relaydesk.generation.dont_know import NO_ANSWER, OUT_OF_SCOPE, dont_know_text, unanswered
from relaydesk.generation.ports import HistoryTurn, SourceSnippet
from unit.generation.generation_doubles import ScriptedGenerator, hit, make_deps, make_turn

CLOSE_TEXT = "To close your account, call us or visit a shop with your ID. Closing takes 2 business days."
CLOSE = SourceSnippet(doc_id="close", chunk_id="close#0", title="Close your account", text=CLOSE_TEXT, version=1)
BOAT = "Can I get a loan to buy a boat?"


def fallbacks(kind: str) -> float:
    return float(metrics.FALLBACKS.labels("generation", kind)._value.get())


def intent(out_of_scope: bool) -> IntentAnnotation:
    return IntentAnnotation(label="out_of_scope" if out_of_scope else "account", confidence=0.2 if out_of_scope
                            else 0.8, out_of_scope=out_of_scope)


@pytest.mark.parametrize(
    ("question", "out_of_scope", "scores", "why"),
    [
        # issue 14: a boat loan answered with the account-closure article
        (BOAT, False, None, NO_ANSWER),
        # the same, marked out of scope by intent
        (BOAT, True, None, OUT_OF_SCOPE),
        # out of scope by intent, but the passage answers it: answer
        ("How do I close my account?", True, None, None),
        # in scope and answered
        ("How long does closing my account take?", False, None, None),
        # another language, no vectors: words cannot tell, so an in-scope turn is answered...
        ("我能贷款买船吗？", False, None, None),
        # ... and an out-of-scope one is declined
        ("我能贷款买船吗？", True, None, OUT_OF_SCOPE),
        # another language with the embedder's similarities: a low best score declines
        ("我能贷款买船吗？", False, [[0.70, 0.72]], NO_ANSWER),
        # and a high one answers
        ("怎么注销账户？", False, [[0.86, 0.75]], None),
        # with vectors intent alone does not decline: out of scope, but a sentence answers strongly
        ("How do I close my account?", True, [[0.89, 0.80]], None),
        # out of scope and no sentence close enough: declined, in any language, whatever words are shared
        ("How do I close my account?", True, [[0.83, 0.80]], OUT_OF_SCOPE),
        ("我能贷款买船吗？", True, [[0.84, 0.79]], OUT_OF_SCOPE),
        # in scope, no word shared (same language), but the embedder finds the answer: answered, not declined
        (BOAT, False, [[0.91, 0.75]], None),
        # in scope, but nothing near: no answer
        (BOAT, False, [[0.78, 0.75]], NO_ANSWER),
    ],
)
def test_when_no_passage_answers_then_why_is_named(
    question: str, out_of_scope: bool, scores: list[list[float]] | None, why: str | None
) -> None:
    ranked = rank_sentences(question, [CLOSE], scores)
    assert unanswered(question, [CLOSE], ranked, intent(out_of_scope), vectors=scores is not None) == why


@pytest.mark.parametrize(
    ("lang", "person", "topic"),
    [
        ("en", "member of our team", "“Close your account”"),
        ("zh", "人工客服", "《Close your account》"),
        ("ja", "担当者", "「Close your account」"),
        ("id", "tim kami", "“Close your account”"),
    ],
)
def test_when_saying_i_dont_know_then_in_the_customers_language_with_topics(
    lang: str, person: str, topic: str
) -> None:
    text = dont_know_text(lang, ["Close your account", "Close your account", "Fees"])
    assert person in text and topic in text and text.count("Close your account") == 1
    assert dont_know_text(lang, []).count("Close") == 0


def _draft(outputs: list) -> ReplyDraft:
    [draft] = [o for o in outputs if isinstance(o, ReplyDraft)]
    return draft


async def test_when_out_of_scope_then_no_article_pasted_and_a_person_takes_it() -> None:
    generator = ScriptedGenerator()
    turn = make_turn(BOAT, hits=[hit("close", CLOSE_TEXT, title="Close your account")])
    turn = turn.model_copy(update={"intent": intent(True)})
    before = fallbacks(OUT_OF_SCOPE)
    outputs = await handle(turn, make_deps(generator))
    draft = _draft(outputs)
    assert (draft.mode, draft.fallback_reason, draft.handoff) == ("handoff", OUT_OF_SCOPE, True)
    assert "“Close your account”" in draft.text and "call us or visit a shop" not in draft.text
    assert [o.reason for o in outputs if isinstance(o, Handoff)] == ["no_knowledge"]
    assert generator.requests == [] and fallbacks(OUT_OF_SCOPE) == before + 1


async def test_when_chinese_question_is_out_of_scope_then_answer_in_chinese() -> None:
    turn = make_turn("我能贷款买船吗？", lang="zh", hits=[hit("close", CLOSE_TEXT, title="Close your account")])
    draft = _draft(await handle(turn.model_copy(update={"intent": intent(True)}), make_deps()))
    assert draft.text.startswith("抱歉") and "《Close your account》" in draft.text


async def test_when_follow_up_then_the_previous_passage_is_not_judged_unrelated() -> None:
    deps = make_deps(ScriptedGenerator("Closing takes 2 business days."))
    deps.history.append("c-1", HistoryTurn(turn_id="t-0", role="customer", text="How do I close my account?"))
    deps.history.append("c-1", HistoryTurn(turn_id="t-0", role="assistant", text="Call us.", sources=[CLOSE]))
    draft = _draft(await handle(make_turn("And then?", hits=[]), deps))
    assert draft.mode == "generated"
