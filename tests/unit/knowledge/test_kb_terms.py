from __future__ import annotations

import pytest

from relaydesk.knowledge.langs import guess_lang
from relaydesk.knowledge.terms import Bm25Encoder, term_index, tokenize

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Cards and batteries", ["card", "battery"]),  # plural folding, stopword dropped
        ("My card <CREDIT_CARD> was stolen", ["card", "stolen"]),  # redaction placeholder is not a term
        ("银行卡丢了", ["银行", "行卡", "卡丢", "丢了"]),  # Chinese: character bigrams
        ("カード", ["カー", "ード"]),  # Japanese kana: bigrams
        ("卡", ["卡"]),  # a lone CJK character stays a unigram
        ("Kartu saya hilang", ["kartu", "hilang"]),  # Indonesian stopword dropped
        ("ＡＴＭ fee", ["atm", "fee"]),  # NFKC folds full-width letters
        ("Ref rd3fa9c2x00017", ["ref", "rd3fa9c2x00017"]),  # a code stays one term
    ],
)
def test_when_tokenizing_then_terms_fit_the_script(text: str, expected: list[str]) -> None:
    assert tokenize(text) == expected


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("How do I block my lost card?", "en"),
        ("Bagaimana cara memblokir kartu yang hilang?", "id"),
        ("银行卡丢了怎么挂失", "zh"),
        ("カードをなくしました", "ja"),
    ],
)
def test_when_language_unknown_then_guessed(text: str, lang: str) -> None:
    assert guess_lang(text) == lang


def test_when_term_repeats_then_weight_saturates() -> None:
    enc = Bm25Encoder()
    once = enc.document("refund")
    thrice = enc.document("refund refund refund")
    assert thrice.values[0] > once.values[0]
    assert thrice.values[0] < 3 * once.values[0]
    assert thrice.values[0] < enc.k1 + 1


def test_when_document_is_longer_then_term_weight_lower() -> None:
    enc = Bm25Encoder()
    short = enc.document("refund policy")
    long = enc.document("refund policy " + " ".join(f"filler{i}" for i in range(200)))
    idx = term_index("refund")
    assert dict(zip(long.indices, long.values, strict=True))[idx] < dict(zip(short.indices, short.values, strict=True))[idx]


def test_when_query_encoded_then_unique_terms_weigh_one() -> None:
    q = Bm25Encoder().query("card card refund")
    assert sorted(q.values) == [1.0, 1.0]
    assert set(q.indices) == {term_index("card"), term_index("refund")}


def test_when_text_has_no_terms_then_empty_vector() -> None:
    assert Bm25Encoder().document("the and of").indices == ()
