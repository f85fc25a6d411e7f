"""The redactor end to end on single lines: real Presidio, real recognizers, real spaCy NER."""

from __future__ import annotations

import pytest

from relaydesk.compliance.pii import Redactor


def _types(redactor: Redactor, text: str, lang: str | None = None) -> list[str]:
    return [s.type for s in redactor.analyze(text, lang)]


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("My card is 4111 1111 1111 1111.", "en", ["CREDIT_CARD"]),  # groups of four
        ("card 4111-1111-1111-1111 exp 09/27", "en", ["CREDIT_CARD"]),  # dashes, expiry after
        ("Amex 3782 822463 10005 please", "en", ["CREDIT_CARD"]),  # 4-6-5 grouping
        ("卡号4111111111111111，谢谢", "zh", ["CREDIT_CARD"]),  # no spaces around, CJK neighbours
        ("Pay to DE89 3704 0044 0532 0130 00 OK", "en", ["IBAN_CODE"]),  # trailing capitals not swallowed
        ("call +1 (415) 555-0134 tonight", "en", ["PHONE_NUMBER"]),
        ("+44 20 7946 0958", None, ["PHONE_NUMBER"]),
        ("电话+86 138 0013 8000", "zh", ["PHONE_NUMBER"]),
        ("telepon 0812-3456-7890", "id", ["PHONE_NUMBER"]),  # Indonesian national format
        ("电话090-1234-5678", "ja", ["PHONE_NUMBER"]),  # Japanese mobile, national format
        ("mail li.wei@example.cn now", "en", ["EMAIL_ADDRESS"]),
        ("SSN 123-45-6789", "en", ["US_SSN"]),
        ("身份证11010519491231002X", "zh", ["CN_RESIDENT_ID"]),
        ("マイナンバーは1234 5678 9018です", "ja", ["JP_MY_NUMBER"]),
        ("NIK saya 3201014501900001", "id", ["ID_NIK"]),
    ],
)
def test_when_structured_pii_then_found_with_its_type(
    redactor: Redactor, text: str, lang: str | None, expected: list[str]
) -> None:
    assert _types(redactor, text, lang) == expected


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Order 123456789012 is late", "en"),  # 12 digits, no My Number word nearby
        ("I paid $1,234.56 on 2024-05-01", "en"),  # amount and ISO date
        ("version 2.13.0 and flight UA857", "en"),  # version and flight number
        ("Tracking 1Z999AA10123456784", "en"),  # UPS tracking code
        ("Card 4111 1111 1111 1112 declined", "en"),  # fails Luhn
        ("IBAN DE89 3704 0044 0532 0130 01", "en"),  # fails mod-97
        ("ships on 03-04-2024", "en"),  # a date shaped like a national phone number
        ("订单号13912345678还没发货", "zh"),  # a mobile-shaped order number without a phone word
        ("注文番号123456789012の件", "ja"),  # 12-digit order number in Japanese
    ],
)
def test_when_not_pii_then_left_alone(redactor: Redactor, text: str, lang: str) -> None:
    assert redactor.redact(text, lang).text == text


def test_when_nik_word_nearby_then_nik_wins_over_card_shape(redactor: Redactor) -> None:
    # Both a valid NIK (East Java, born 01-01-90) and a Luhn-valid JCB number: the word decides.
    digits = "3528010101900005"
    assert _types(redactor, f"nomor NIK {digits}", "id") == ["ID_NIK"]
    assert _types(redactor, f"card {digits}", "en") == ["CREDIT_CARD"]


def test_when_redacted_then_offsets_point_into_original(redactor: Redactor) -> None:
    text = "Hi, I am Maria Lopez, card 4111 1111 1111 1111, mail maria@example.com"
    result = redactor.redact(text, "en")
    assert result.text == "Hi, I am <PERSON>, card <CREDIT_CARD>, mail <EMAIL_ADDRESS>"
    assert [(e.type, text[e.start : e.end]) for e in result.entities] == [
        ("PERSON", "Maria Lopez"),
        ("CREDIT_CARD", "4111 1111 1111 1111"),
        ("EMAIL_ADDRESS", "maria@example.com"),
    ]


def test_when_keep_says_so_then_span_passes(redactor: Redactor) -> None:
    text = "Call +1 800 555 0199 or use card 4111111111111111"
    result = redactor.redact(text, "en", keep=lambda span, value: span.type == "PHONE_NUMBER")
    assert result.text == "Call +1 800 555 0199 or use card <CREDIT_CARD>"
