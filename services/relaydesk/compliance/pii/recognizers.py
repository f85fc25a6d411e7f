"""Presidio recognizers for the structured identifiers, validated by checksums and structure rules.

They work on raw characters, not spaCy tokens, so they behave the same in English, Chinese, Japanese and
Indonesian text (there is no Chinese NER model, and CJK text has no word boundaries). Boundaries are written
as "no ASCII letter or digit next to the match", because Python's `\\b` treats CJK characters as word
characters and would miss `卡号4111111111111111`.

Context words, where a recognizer needs them, are matched as substrings near the match for the same reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence

import phonenumbers
from presidio_analyzer import LocalRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from relaydesk.compliance.pii.checksums import (
    IBAN_LENGTHS,
    card_prefix_ok,
    cn_resident_id_ok,
    iban_ok,
    luhn_ok,
    my_number_ok,
    nik_ok,
    us_ssn_ok,
)

Span = tuple[int, int, float]

# `\d` rather than [0-9] throughout: full-width digits (`４１１１`) are digits too, in Chinese and Japanese text.
_NO_ALNUM_BEFORE = r"(?<![\dA-Za-z])"
_NO_ALNUM_AFTER = r"(?![\dA-Za-z])"
# A digit run must not continue through a single separator either: `1234 5678 9012` inside a card number
# is not a Japanese My Number.
_NO_DIGIT_BEFORE = r"(?<![\d+])(?<!\d[ \-])"
_NO_DIGIT_AFTER = r"(?!\d)(?![ \-]\d)"
# Separators people put between card-number groups: spaces, hyphens and dashes, no-break and full-width ones.
_CARD_SEP = "[ \\-\u00a0\u2010-\u2015\u3000\uff0d]"


def near(text: str, start: int, end: int, words: Sequence[str], before: int = 48, after: int = 24) -> bool:
    """Whether one of `words` (lower case) occurs shortly before or after the span."""
    window = text[max(0, start - before) : start].lower() + " " + text[end : end + after].lower()
    return any(w in window for w in words)


class _SpanRecognizer(LocalRecognizer):
    """A recognizer that finds (start, end, score) spans with its own logic."""

    ENTITY = ""

    def __init__(self) -> None:
        super().__init__(supported_entities=[self.ENTITY], name=type(self).__name__, supported_language="en")

    def load(self) -> None:
        pass

    def spans(self, text: str) -> Iterable[Span]:
        raise NotImplementedError

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if entities and self.ENTITY not in entities:
            return []
        meta = {
            RecognizerResult.RECOGNIZER_NAME_KEY: type(self).__name__,
            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
        }
        return [
            RecognizerResult(self.ENTITY, start, end, score, recognition_metadata=meta)
            for start, end, score in self.spans(text)
        ]


def _groups(match: re.Match[str]) -> list[tuple[int, int]]:
    """Absolute (start, end) of each digit group in a separated digit run."""
    base = match.start()
    return [(base + g.start(), base + g.end()) for g in re.finditer(r"\d+", match.group())]


class RelaydeskCreditCardRecognizer(_SpanRecognizer):
    """Every Luhn-valid run of 13-19 digits in any grouping (4-4-4-4, 4-6-5, unbroken, mixed), in any script's
    digits. A known issuer range or a card word nearby raises the score; neither is required: a store, fuel
    or new-range card is still a card, and a miss leaks it. A number that fails Luhn is never one."""

    ENTITY = "CREDIT_CARD"
    CONTEXT = (
        "card", "visa", "mastercard", "amex", "debit", "credit", "cc ", "卡", "カード", "クレジット", "kartu",
    )  # fmt: skip
    _RUN = re.compile(r"(?<![\d+\uff0b])\d(?:" + _CARD_SEP + r"?\d){11,30}(?!\d)")

    def spans(self, text: str) -> Iterator[Span]:
        for m in self._RUN.finditer(text):
            groups = _groups(m)
            i = 0
            while i < len(groups):
                found = False
                # Longest run of whole groups first: a card followed by an expiry year is still found.
                for j in range(len(groups), i, -1):
                    digits = "".join(text[s:e] for s, e in groups[i:j])
                    if 13 <= len(digits) <= 19 and luhn_ok(digits):
                        start, end = groups[i][0], groups[j - 1][1]
                        score = self._score(text, start, end, digits, whole=i == 0 and j == len(groups))
                        if score is None:
                            continue
                        yield start, end, score
                        i, found = j, True
                        break
                if not found:
                    i += 1

    def _score(self, text: str, start: int, end: int, digits: str, whole: bool) -> float | None:
        if card_prefix_ok(digits):
            return 0.9
        if near(text, start, end, self.CONTEXT):
            return 0.75
        # Outside the issuer ranges and with no card word: the digits must be a whole number on their own.
        # Part of a longer reference (one in ten of whose group runs passes Luhn) or a code glued to letters
        # (an IBAN's digits, a serial number) is not a card. Below a national id or phone number that
        # claims the same digits with its own evidence.
        glued = (start > 0 and text[start - 1].isascii() and text[start - 1].isalpha()) or (
            end < len(text) and text[end].isascii() and text[end].isalpha()
        )
        return 0.55 if whole and not glued else None


class RelaydeskIbanRecognizer(_SpanRecognizer):
    ENTITY = "IBAN_CODE"
    _CANDIDATE = re.compile(_NO_ALNUM_BEFORE + r"[A-Za-z]{2}\d{2}(?:[ \-]?[A-Za-z0-9]){11,32}")

    def spans(self, text: str) -> Iterator[Span]:
        for m in self._CANDIDATE.finditer(text):
            raw = m.group()
            length = IBAN_LENGTHS.get(raw[:2].upper())
            if length is None:
                continue
            # The pattern may swallow the next word; cut at the country's length and require a boundary.
            count, end = 0, m.start()
            for offset, ch in enumerate(raw):
                if ch.isalnum():
                    count += 1
                    if count == length:
                        end = m.start() + offset + 1
                        break
            if count < length or (end < len(text) and text[end].isascii() and text[end].isalnum()):
                continue
            compact = re.sub(r"[ \-]", "", text[m.start() : end]).upper()
            if iban_ok(compact):
                yield m.start(), end, 0.9


class RelaydeskPhoneRecognizer(_SpanRecognizer):
    """International numbers for +1, +44, +49, +62, +81 and +86, and national formats of the same countries
    when libphonenumber says they are valid there. An unbroken national digit string needs a phone word
    nearby: it looks too much like an order number otherwise."""

    ENTITY = "PHONE_NUMBER"
    REGIONS = ("US", "GB", "DE", "ID", "JP", "CN")
    CONTEXT = (
        "phone", "call", "tel", "mobile", "cell", "whatsapp", "wa ", "sms", "text me", "number is",
        "电话", "手机", "致电", "联系方式", "電話", "携帯", "telp", "telepon", "hp ", "nomor hp", "ponsel",
    )  # fmt: skip
    _INTL = re.compile(
        r"(?<![\dA-Za-z+])\+[ ]?(?:1|44|49|62|81|86)(?:[ .\-]?\(0\))?"
        r"(?:[ .\-]?\(?\d{1,5}\)?){1,6}(?!\d)"
    )
    _NATIONAL = re.compile(
        _NO_DIGIT_BEFORE
        + r"(?:\(\d{3}\)[ .\-]?\d{3}[ .\-]\d{4}"  # (415) 555-0134
        r"|\d{3}[.\-]\d{3}[.\-]\d{4}"  # 415-555-0134
        r"|0\d{1,4}(?:[ \-]\d{2,5}){1,3}"  # 020 7946 0958, 0812-3456-7890, 090-1234-5678, 030 12345678
        r"|1[3-9]\d[ \-]\d{4}[ \-]\d{4}"  # 138 0013 8000
        r"|0\d{8,12}|1[3-9]\d{9})"  # unbroken: needs context
        + _NO_DIGIT_AFTER
    )

    # 03-04-2024 and 2024 05 01 are valid-looking national numbers somewhere; they are dates.
    _DATE = re.compile(r"^(?:\d{1,2}[ \-.]\d{1,2}[ \-.](?:\d{2}|\d{4})|\d{4}[ \-.]\d{1,2}[ \-.]\d{1,2})$")

    def spans(self, text: str) -> Iterator[Span]:
        taken: list[tuple[int, int]] = []
        for m in self._INTL.finditer(text):
            span = self._trim_international(text, m)
            if span is not None:
                taken.append(span)
                yield span[0], span[1], 0.9
        for m in self._NATIONAL.finditer(text):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            raw = m.group()
            if self._DATE.match(raw):
                continue
            unbroken = raw.isdigit()
            if unbroken and not near(text, m.start(), m.end(), self.CONTEXT):
                continue
            if self._valid_national(raw):
                yield m.start(), m.end(), 0.8 if not unbroken else 0.7

    @staticmethod
    def _trim_international(text: str, m: re.Match[str]) -> tuple[int, int] | None:
        groups = _groups(m)
        # Drop trailing groups ("+1 415 555 0134 2 times") until the rest is a possible number.
        for j in range(len(groups), 1, -1):
            end = groups[j - 1][1]
            candidate = text[m.start() : end]
            if text[end : end + 1] == ")":
                end += 1
            try:
                number = phonenumbers.parse(candidate, None)
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_possible_number(number):
                return m.start(), end
        return None

    def _valid_national(self, raw: str) -> bool:
        for region in self.REGIONS:
            try:
                number = phonenumbers.parse(raw, region)
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_valid_number(number):
                return True
        return False


class RelaydeskEmailRecognizer(_SpanRecognizer):
    """A plain pattern: the suffix-list check of Presidio's own email recognizer needs a download."""

    ENTITY = "EMAIL_ADDRESS"
    _EMAIL = re.compile(
        r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]{0,63}@"
        r"[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62}[A-Za-z0-9])?)*"
        r"\.[A-Za-z]{2,24}(?![A-Za-z0-9\-])"
    )

    def spans(self, text: str) -> Iterator[Span]:
        for m in self._EMAIL.finditer(text):
            yield m.start(), m.end(), 0.9


class RelaydeskUsSsnRecognizer(_SpanRecognizer):
    ENTITY = "US_SSN"
    CONTEXT = ("ssn", "social security", "社会保障", "社会安全", "ソーシャル")
    _GROUPED = re.compile(r"(?<![\d\-])(?<!\d )(\d{3})([\- ])(\d{2})\2(\d{4})(?![\d\-])(?![ ]\d)")
    _UNBROKEN = re.compile(_NO_DIGIT_BEFORE + r"(\d{3})(\d{2})(\d{4})" + _NO_DIGIT_AFTER)

    def spans(self, text: str) -> Iterator[Span]:
        for m in self._GROUPED.finditer(text):
            if us_ssn_ok(m.group(1), m.group(3), m.group(4)):
                yield m.start(), m.end(), 0.85
        for m in self._UNBROKEN.finditer(text):
            if us_ssn_ok(m.group(1), m.group(2), m.group(3)) and near(text, m.start(), m.end(), self.CONTEXT):
                yield m.start(), m.end(), 0.8


class RelaydeskCnResidentIdRecognizer(_SpanRecognizer):
    ENTITY = "CN_RESIDENT_ID"
    _ID = re.compile(_NO_ALNUM_BEFORE + r"(\d{6})[ ]?(\d{8})[ ]?(\d{3}[\dXx])" + _NO_ALNUM_AFTER)

    def spans(self, text: str) -> Iterator[Span]:
        for m in self._ID.finditer(text):
            if cn_resident_id_ok(m.group(1) + m.group(2) + m.group(3)):
                yield m.start(), m.end(), 0.95


class RelaydeskJpMyNumberRecognizer(_SpanRecognizer):
    """Twelve digits with a check digit, which one random number in eleven passes: a 12-digit order number
    must stay, so a My Number word has to be nearby."""

    ENTITY = "JP_MY_NUMBER"
    CONTEXT = ("マイナンバー", "個人番号", "my number", "mynumber", "my-number", "individual number",
               "マイナ", "nomor my number")  # fmt: skip
    _NUMBER = re.compile(_NO_DIGIT_BEFORE + r"(\d{4})([ \-]?)(\d{4})\2(\d{4})" + _NO_DIGIT_AFTER)

    def spans(self, text: str) -> Iterator[Span]:
        for m in self._NUMBER.finditer(text):
            digits = m.group(1) + m.group(3) + m.group(4)
            if my_number_ok(digits) and near(text, m.start(), m.end(), self.CONTEXT, before=64):
                yield m.start(), m.end(), 0.95


class RelaydeskIdNikRecognizer(_SpanRecognizer):
    """Sixteen digits with a valid province, district and birth date. A NIK word nearby makes it certain;
    without one a Luhn-valid card number of the same length wins the overlap."""

    ENTITY = "ID_NIK"
    CONTEXT = ("nik", "ktp", "nomor induk", "kependudukan", "identitas", "national id", "id card",
               "身份证", "住民")  # fmt: skip
    _NIK = re.compile(_NO_DIGIT_BEFORE + r"(\d{6})([ .\-]?)(\d{6})\2(\d{4})" + _NO_DIGIT_AFTER)

    def spans(self, text: str) -> Iterator[Span]:
        for m in self._NIK.finditer(text):
            digits = m.group(1) + m.group(3) + m.group(4)
            if nik_ok(digits):
                yield m.start(), m.end(), 0.95 if near(text, m.start(), m.end(), self.CONTEXT) else 0.6


def structured_recognizers() -> list[_SpanRecognizer]:
    return [
        RelaydeskCreditCardRecognizer(),
        RelaydeskIbanRecognizer(),
        RelaydeskPhoneRecognizer(),
        RelaydeskEmailRecognizer(),
        RelaydeskUsSsnRecognizer(),
        RelaydeskCnResidentIdRecognizer(),
        RelaydeskJpMyNumberRecognizer(),
        RelaydeskIdNikRecognizer(),
    ]


STRUCTURED_TYPES: tuple[str, ...] = (
    "CREDIT_CARD",
    "IBAN_CODE",
    "PHONE_NUMBER",
    "EMAIL_ADDRESS",
    "US_SSN",
    "CN_RESIDENT_ID",
    "JP_MY_NUMBER",
    "ID_NIK",
)
