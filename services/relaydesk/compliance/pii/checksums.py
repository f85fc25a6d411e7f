"""Check digits and structure rules for the identifiers the pattern recognizers look for.

A regex alone flags order numbers and tracking codes; these checks are what keep precision up.
"""

from __future__ import annotations

import datetime as _dt
import unicodedata

# ISO 13616 lengths for the countries a contact centre in our markets meets; an unknown country is rejected.
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29,
    "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24,
    "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21,
    "HU": 28, "IE": 22, "IL": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LI": 21,
    "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30,
    "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24,
    "SE": 24, "SI": 19, "SK": 24, "SM": 27, "TN": 24, "TR": 26, "UA": 29, "VG": 24, "XK": 20,
}  # fmt: skip

# Indonesian province codes (the first two digits of a NIK).
NIK_PROVINCES: frozenset[str] = frozenset(
    ["11", "12", "13", "14", "15", "16", "17", "18", "19", "21", "31", "32", "33", "34", "35", "36", "51", "52",
     "53", "61", "62", "63", "64", "65", "71", "72", "73", "74", "75", "76", "81", "82", "91", "92", "93", "94",
     "95", "96"]
)  # fmt: skip

_CN_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CN_CHECK = "10X98765432"


def ascii_digits(text: str) -> str:
    """Any script's decimal digits (full-width `４１１１` in Chinese and Japanese text) as ASCII ones: the
    check-digit rules count digit values, and a pattern's `\\d` matches them all."""
    if text.isascii():
        return text
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in text)


def luhn_ok(digits: str) -> bool:
    digits = ascii_digits(digits)
    if not digits.isascii() or not digits.isdigit() or len(digits) < 2:
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def card_prefix_ok(digits: str) -> bool:
    """Issuer ranges of the major networks (Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay,
    Maestro). Luhn alone passes one random number in ten; the prefix makes a match more certain, but a card
    outside these ranges (a store, fuel or new-range card) is still a card."""
    digits = ascii_digits(digits)
    n = len(digits)
    if not 13 <= n <= 19:
        return False
    two, three, four = int(digits[:2]), int(digits[:3]), int(digits[:4])
    if digits[0] == "4":
        return n in (13, 16, 19)
    if 51 <= two <= 55 or 2221 <= four <= 2720:
        return n == 16
    if two in (34, 37):
        return n == 15
    if four == 6011 or two == 65 or 644 <= three <= 649 or two == 62:
        return 16 <= n <= 19
    if 3528 <= four <= 3589:
        return 16 <= n <= 19
    if 300 <= three <= 305 or two in (36, 38, 39):
        return 14 <= n <= 19
    return two in (50, 56, 57, 58) or two == 67 or two == 63  # Maestro


def iban_ok(compact: str) -> bool:
    """`compact` is upper case with no spaces. Checks the country length and the ISO 7064 mod-97 rule."""
    if len(compact) < 15 or not compact[:2].isalpha() or not compact[2:4].isdigit():
        return False
    if IBAN_LENGTHS.get(compact[:2]) != len(compact) or not compact.isalnum():
        return False
    rearranged = compact[4:] + compact[:4]
    number = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(number) % 97 == 1


def _valid_date(year: int, month: int, day: int) -> bool:
    try:
        _dt.date(year, month, day)
    except ValueError:
        return False
    return True


def cn_resident_id_ok(value: str) -> bool:
    """GB 11643-1999: 6-digit region, YYYYMMDD birth date, 3-digit sequence, ISO 7064 mod 11-2 check."""
    value = ascii_digits(value)
    if len(value) != 18 or not value[:17].isdigit():
        return False
    check = value[17].upper()
    if value[0] not in "12345678":
        return False
    year, month, day = int(value[6:10]), int(value[10:12]), int(value[12:14])
    if not 1900 <= year <= 2099 or not _valid_date(year, month, day):
        return False
    total = sum(int(d) * w for d, w in zip(value[:17], _CN_WEIGHTS, strict=True))
    return _CN_CHECK[total % 11] == check


def my_number_ok(digits: str) -> bool:
    """Japanese Individual Number: 11 digits and a check digit (weights 2..7, 2..6 from the right)."""
    digits = ascii_digits(digits)
    if len(digits) != 12 or not digits.isdigit():
        return False
    body = digits[:11]
    total = 0
    for n, ch in enumerate(reversed(body), start=1):
        q = n + 1 if n <= 6 else n - 5
        total += int(ch) * q
    remainder = total % 11
    check = 0 if remainder <= 1 else 11 - remainder
    return check == int(digits[11])


def nik_ok(digits: str) -> bool:
    """Indonesian NIK: province, regency and district codes, DDMMYY birth date (day + 40 for women), and a
    non-zero serial. There is no check digit, so the structure is all there is. ASCII digits only: an NIK is
    written in them, and without a check digit a full-width number in Chinese or Japanese text is far more
    likely a waybill or order number."""
    if len(digits) != 16 or not digits.isascii() or not digits.isdigit():
        return False
    if digits[:2] not in NIK_PROVINCES or digits[2:4] == "00" or digits[4:6] == "00":
        return False
    day, month, year = int(digits[6:8]), int(digits[8:10]), int(digits[10:12])
    if day > 40:
        day -= 40
    if not _valid_date(2000 + year, month, day) and not _valid_date(1900 + year, month, day):
        return False
    return digits[12:] != "0000"


def us_ssn_ok(area: str, group: str, serial: str) -> bool:
    """SSA rules: area 001-899 except 666, group 01-99, serial 0001-9999."""
    area, group, serial = ascii_digits(area), ascii_digits(group), ascii_digits(serial)
    if not (len(area) == 3 and len(group) == 2 and len(serial) == 4):
        return False
    a = int(area)
    return 0 < a < 900 and a != 666 and group != "00" and serial != "0000"
