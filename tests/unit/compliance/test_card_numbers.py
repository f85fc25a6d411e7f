"""Card numbers without gaps: every Luhn-valid 13-19 digit sequence is masked, whatever its issuer range, its
separators, its script's digits or the language around it; digit strings that fail Luhn stay."""

from __future__ import annotations

import pytest

from relaydesk.compliance.pii import Redactor
from relaydesk.compliance.pii.checksums import ascii_digits, card_prefix_ok, luhn_ok
from relaydesk.compliance.pii.recognizers import RelaydeskCreditCardRecognizer

FW = str.maketrans("0123456789", "０１２３４５６７８９")


def _cards(redactor: Redactor, text: str, lang: str | None = None) -> list[str]:
    return [text[s.start : s.end] for s in redactor.analyze(text, lang) if s.type == "CREDIT_CARD"]


@pytest.mark.parametrize(
    ("text", "lang", "card"),
    [
        ("My card is 9123 4567 8901 2348, please block it.", "en", "9123 4567 8901 2348"),  # no known issuer
        ("The fuel card 7000-1234-5678-9010 was declined.", "en", "7000-1234-5678-9010"),  # dashes, off-range
        ("Store card 8000123456784 is mine", "en", "8000123456784"),  # 13 digits, unbroken
        ("account 9123456789012345672 please", "en", "9123456789012345672"),  # 19 digits, a plain word nearby
        ("卡号9123456789012348，谢谢", "zh", "9123456789012348"),  # CJK neighbours, off-range
        ("会员卡号是９１２３４５６７８９０１２３４８。", "zh", "９１２３４５６７８９０１２３４８"),  # full-width digits
        ("カード番号は４１１１　１１１１　１１１１　１１１１です", "ja", "４１１１　１１１１　１１１１　１１１１"),  # ideographic spaces
        ("カード４１１１－１１１１－１１１１－１１１１で", "ja", "４１１１－１１１１－１１１１－１１１１"),  # full-width hyphens
        ("Nomor kartu saya 9123 4567 8901 2348 ya", "id", "9123 4567 8901 2348"),  # Indonesian
        ("card 4111\u00a01111\u00a01111\u00a01111 ok", "en", "4111\u00a01111\u00a01111\u00a01111"),  # no-break spaces
    ],
)
def test_when_luhn_valid_card_then_masked_in_any_range_script_or_language(
    redactor: Redactor, text: str, lang: str, card: str
) -> None:
    assert _cards(redactor, text, lang) == [card]
    assert ascii_digits(card).replace(" ", "") not in redactor.redact(text, lang).text


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Order 9123 4567 8901 2345 has not shipped.", "en"),  # one digit off: fails Luhn
        ("订单号９１２３４５６７８９０１２３４５还没发货", "zh"),  # full-width, fails Luhn
        ("Reference 7033-5171-2808-2665-325 on the invoice", "en"),  # a longer reference whose first 16 digits pass
        ("The IBAN ES09 9410 0436 4400 5444 0897 was rejected.", "en"),  # a bad IBAN's digits are not a card
        ("Serial SN9123456789012348 on the router", "en"),  # a code glued to letters
    ],
)
def test_when_digits_are_not_a_card_then_untouched(redactor: Redactor, text: str, lang: str) -> None:
    assert _cards(redactor, text, lang) == []


def test_when_phone_number_then_phone_recogniser_keeps_it(redactor: Redactor) -> None:
    spans = redactor.analyze("Call me on +62 812-3456-7890 please", "id")
    assert [s.type for s in spans] == ["PHONE_NUMBER"]


def test_when_issuer_range_known_then_confidence_higher_but_not_required() -> None:
    recognizer = RelaydeskCreditCardRecognizer()
    (known,) = recognizer.spans("pay with 4111 1111 1111 1111 now")
    (unknown_with_word,) = recognizer.spans("my card 9123 4567 8901 2348 now")
    (unknown,) = recognizer.spans("use 9123 4567 8901 2348 now")
    assert known[2] > unknown_with_word[2] > unknown[2] >= 0.5  # all above the redactor's threshold


def test_when_full_width_digits_then_checksums_count_their_values() -> None:
    assert luhn_ok("4111111111111111".translate(FW)) and card_prefix_ok("4111111111111111".translate(FW))
    assert not luhn_ok("4111111111111112".translate(FW))
