"""A question asking for a price, a duration or a limit, in en/zh/ja/id, and the sentences that state one."""

from __future__ import annotations

import pytest

from relaydesk.generation.answer_kind import quantity_kinds, states_kind
from relaydesk.generation.answer_sentences import rank_sentences
from relaydesk.generation.ports import SourceSnippet


@pytest.mark.parametrize(
    ("question", "kinds"),
    [
        ("Is there a charge for closing my account?", {"price"}),
        ("How long does a refund take?", {"duration"}),
        ("What is the contactless limit?", {"limit"}),
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
    # the same vectors without the price question: the embedder's order holds
    ranked = rank_sentences("Can I close my account in the app?", [CLOSE], vectors)
    assert ranked[0].text.startswith("Download your statements")
