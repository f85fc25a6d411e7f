"""A question asking for a price, a duration or a limit, in en/zh/ja/id, and the sentences that state one."""

from __future__ import annotations

import pytest

from relaydesk.generation.answer_kind import lead_figure_failure, quantity_kinds, states_kind
from relaydesk.generation.answer_sentences import rank_sentences
from relaydesk.generation.ports import SourceSnippet


@pytest.mark.parametrize(
    ("question", "kinds"),
    [
        ("Is there a charge for closing my account?", {"price"}),
        ("How long does a refund take?", {"duration"}),
        ("What is the contactless limit?", {"limit"}),
        ("What's the most I can pay with a single tap?", {"limit"}),
        ("How many free withdrawals do I get each month?", {"count"}),
        ("Premium 套餐每月多少钱？", {"price"}),
        ("退款要多久？", {"duration"}),
        ("単発の非接触決済の上限は？", {"limit"}),
        ("Berapa lama pengembalian dana?", {"duration"}),
        ("Berapa biaya kirim ulang kartu?", {"price"}),
        ("I lost my card", set()),
        ("我的卡丢了", set()),
    ],
)
def test_when_a_question_asks_for_a_quantity_then_its_kind_is_found(question: str, kinds: set[str]) -> None:
    assert quantity_kinds(question) == kinds


@pytest.mark.parametrize(
    ("sentence", "kind", "states"),
    [
        ("Closing is free and takes a few minutes.", "price", True),
        ("The Premium plan costs 12.99 EUR a month.", "price", True),
        ("Open Profile and tap Close account.", "price", False),
        ("The account is closed within 2 working days.", "duration", True),
        ("退款在 1 个工作日内到账。", "duration", True),
        ("Dana kembali dalam 3 hari kerja.", "duration", True),
        ("A single contactless payment can be up to 50 EUR.", "limit", True),
        ("单笔非接触支付最高 50 欧元。", "limit", True),
        ("Tap Cards, then Limits.", "limit", False),
    ],
)
def test_when_a_sentence_states_a_quantity_then_it_is_seen(sentence: str, kind: str, states: bool) -> None:
    assert states_kind(sentence, frozenset({kind})) is states


CLOSE = SourceSnippet(
    doc_id="account-close", chunk_id="account-close#0", title="Close your account", version=1,
    text="We are sorry to see you go. Closing is free and takes a few minutes. Download your statements; after "
         "closing you can request them from us. Your cards stop working and the account is closed.",
)


def test_when_the_question_asks_a_price_then_the_sentence_stating_it_outranks_a_near_tie() -> None:
    # the embedder finds the statements sentence a little closer; the price question prefers "free"
    vectors = [[0.80, 0.85, 0.86, 0.83]]
    ranked = rank_sentences("Is there a charge for closing my account?", [CLOSE], vectors)
    assert ranked[0].text == "Closing is free and takes a few minutes."
    # the same vectors without the price question: the embedder's order holds (each candidate holds "close")
    ranked = rank_sentences("How do I close it?", [CLOSE], vectors)
    assert ranked[0].text.startswith("Download your statements")


TAP = "A single contactless payment can be up to 50 EUR."


@pytest.mark.parametrize(
    ("answer", "question", "lead", "off"),
    [
        # another limit of the same article: a number the sources hold, not the one asked for
        ("The most you can pay with a single tap is 2,500 EUR.", "What's the most I can pay with one tap?", TAP, True),
        ("You can pay up to 50 EUR with a single tap.", "What's the most I can pay with one tap?", TAP, False),
        # the asked figure plus another: not vouched for either
        ("Up to 50 EUR per tap and 2,500 EUR a day.", "What's the most I can pay with one tap?", TAP, True),
        # no figure at all for a question asking one, when the lead states it
        ("Yes, you can pay by tapping your card.", "What's the most I can pay with one tap?", TAP, True),
        # the lead states no quantity: nothing to hold the answer to
        ("Up to 2,500 EUR.", "What's the most I can pay with one tap?", "Tap Cards, then Limits.", False),
        # an answer giving no amount is not held to the amounts of the sentence it restates
        ("A single contactless payment is possible.", "Can I use contactless in shops?", TAP, False),
        # a price question is held to the lead's amounts, not to its other figures
        ("Express shipping costs 9.90 EUR.", "How much does express shipping cost?",
         "Express shipping costs 9.90 EUR and delivers within 1 business day for orders placed before 14:00.",
         False),
        ("Yes, up to 50 EUR a payment.", "Can I use contactless in shops?", TAP, False),
        ("The biggest overdraft is 100 EUR.", "What's the biggest overdraft?",
         "Choose a limit between 100 and 2,000 EUR.", True),
        # a quantity in words only ("free"): left to the grounding check
        ("Closing is free.", "Is there a charge for closing my account?", "Closing is free and quick.", False),
        # the question's own number is no figure of the answer's
        ("For 3 items the fee is 5 EUR.", "How much is the fee for 3 items?", "The fee is 5 EUR.", False),
        ("退款在 1 个工作日内到账。", "退款多久到账？", "- Orla 账户或 Orla 卡：1 个工作日内到账。", False),
        ("退款在 5 个工作日内到账。", "退款多久到账？", "- Orla 账户或 Orla 卡：1 个工作日内到账。", True),
        # a count: another figure of the article (the cash-abroad allowance) does not answer it
        ("200 EUR/month.", "How many free withdrawals do I get each month?",
         "Withdrawals in euros are free up to five times a month on Basic, then 1 EUR each.", True),
        ("Five a month, then 1 EUR each.", "How many free withdrawals do I get each month?",
         "Withdrawals in euros are free up to five times a month on Basic, then 1 EUR each.", False),
    ],
)
def test_when_the_quoted_sentence_states_the_asked_quantity_then_the_answer_must_give_its_figure(
    answer: str, question: str, lead: str, off: bool
) -> None:
    assert (lead_figure_failure(answer, question, lead) is not None) is off


def test_when_the_answer_restates_another_sentence_then_the_leads_figures_do_not_bind_it() -> None:
    abroad = "Abroad, a single contactless payment in shops can be up to 25 EUR."
    answer = "Abroad, shops accept contactless payments up to 25 EUR."
    question = "Can I use contactless in shops abroad?"
    assert lead_figure_failure(answer, question, TAP, [abroad]) is None
    assert lead_figure_failure(answer, question, TAP, []) == "figure_dropped"


def test_when_the_answer_restates_a_sentence_after_the_lead_then_it_keeps_that_sentences_figures() -> None:
    lead = "An arranged overdraft lets your balance go below zero up to a limit we agree with you."
    limits = "Go to Account > Overdraft and choose a limit between 100 and 2,000 EUR."
    question = "what's the biggest overdraft I can get?"
    got = lead_figure_failure("The biggest overdraft I can get is 100 EUR.", question, lead, [limits])
    assert got == "figure_dropped"
    assert lead_figure_failure("You can choose 100 to 2,000 EUR.", question, lead, [limits]) is None
