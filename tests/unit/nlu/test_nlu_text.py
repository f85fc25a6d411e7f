from __future__ import annotations

import pytest

from relaydesk.nlu.lang import detect_lang, turn_lang
from relaydesk.nlu.text import normalize_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("AGENT", "agent"),  # shouting folds to the same cache key as "agent"
        ("pleaseeeee help", "pleasee help"),  # stretched letters cut to two
        ("order 1000 is late", "order 1000 is late"),  # digits are never cut
        ("why?!?!!!", "why?!?!"),  # runs of one mark cut, mixed marks kept
        ("block card <CREDIT_CARD> now", "block card card number now"),  # placeholders become words
        ("mail <EMAIL_ADDRESS> or <UNKNOWN_THING>", "mail email address or information"),  # unknown type
        ("  spaced \n\t out  ", "spaced out"),  # whitespace collapsed
        ("ＡＢＣ　１２３", "abc 123"),  # full-width forms folded by NFKC
        ("   ", "."),  # never empty: the embedder needs a token
    ],
)
def test_when_text_normalised_then_canonical(text: str, expected: str) -> None:
    assert normalize_text(text) == expected


def test_when_max_chars_then_truncated() -> None:
    assert normalize_text("abcdefghij klm", max_chars=5) == "abcde"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("退款什么时候到账", "zh"),  # Han only
        ("注文をキャンセルしたい", "ja"),  # kana present
        ("配信停止", "zh"),  # kanji-only Japanese cannot be told from Chinese by script
        ("saya mau batalkan pesanan", "id"),  # Indonesian function words
        ("where is my order", "en"),  # English function words
        ("produknya cacat", "en"),  # no evidence either way: the default
    ],
)
def test_when_text_then_language_guessed(text: str, expected: str) -> None:
    assert detect_lang(text) == expected


@pytest.mark.parametrize(
    ("declared", "text", "expected"),
    [
        ("id-ID", "order", "id"),  # a declared supported language wins
        ("fr", "where is my order", "en"),  # unsupported declared language: guess from text
        (None, "注文", "zh"),  # nothing declared
    ],
)
def test_when_lang_declared_then_primary_subtag_used(declared: str | None, text: str, expected: str) -> None:
    assert turn_lang(declared, text) == expected
