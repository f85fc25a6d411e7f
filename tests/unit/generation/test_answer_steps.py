"""A question asking what to do, in en/zh/ja/id, and the sentences that give a step."""

from __future__ import annotations

import pytest

from relaydesk.generation.answer_sentences import rank_sentences
from relaydesk.generation.answer_steps import asks_steps, gives_steps
from relaydesk.generation.ports import SourceSnippet


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("How do I freeze my card?", True),
        ("My card was stolen, what do I do?", True),
        ("Where can I see my statements?", True),
        ("银行卡丢了怎么办？", True),
        ("如何退货", True),
        ("財布をすられました。どうすればいいですか？", True),
        ("Dompet saya dicopet. Harus bagaimana?", True),
        ("How much is Premium?", False),
        ("How long does a refund take?", False),
        ("我的卡丢了", False),
        ("someone nicked my purse with my card in it", False),
    ],
)
def test_when_a_question_asks_what_to_do_then_it_is_seen(question: str, asks: bool) -> None:
    assert asks_steps(question) is asks


@pytest.mark.parametrize(
    ("sentence", "gives"),
    [
        ("In the app: Profile > Account settings > Close account.", True),
        ("Tap Cards, choose the card and tap Report lost or stolen.", True),
        ("进入“商城 > 我的订单”，选择商品并点击“退货”。", True),
        ("「カード」をタップして、「紛失・盗難を届け出る」を選んでください。", True),
        ("Buka aplikasi Orla dan ketuk Kartu.", True),
        ("Closing is free and takes a few minutes.", False),
        ("Direct debits from your account are not affected.", False),
        ("退款通常在 1 个工作日内到账。", False),
    ],
)
def test_when_a_sentence_gives_a_step_then_it_is_seen(sentence: str, gives: bool) -> None:
    assert gives_steps(sentence) is gives


LOST = SourceSnippet(
    doc_id="card-lost-stolen", chunk_id="c1", title="Lost or stolen card", score=0.9,
    text="If you see payments you do not recognise, report them. Tap Cards, choose the card and tap Report lost "
         "or stolen.",
)


def test_when_the_question_asks_what_to_do_then_the_step_outranks_a_near_tie() -> None:
    # the embedder finds the payments sentence a little closer; a question asking what to do prefers the step
    vectors = [[0.86, 0.84]]
    # (the question shares no word with either sentence, so only the vectors and the step decide)
    assert rank_sentences("Someone took my wallet, what do I do?", [LOST], vectors)[0].text.startswith("Tap Cards")
    # without the question asking what to do, the embedder's order holds
    assert rank_sentences("Someone took my wallet.", [LOST], vectors)[0].text.startswith("If you see payments")
