from __future__ import annotations

import pytest

from relaydesk.compliance.pii.checksums import (
    card_prefix_ok,
    cn_resident_id_ok,
    iban_ok,
    luhn_ok,
    my_number_ok,
    nik_ok,
    us_ssn_ok,
)


@pytest.mark.parametrize(
    ("digits", "ok"),
    [
        ("4111111111111111", True),  # Visa test number
        ("4111111111111112", False),  # last digit changed
        ("378282246310005", True),  # Amex test number
        ("6011111111111117", True),  # Discover test number
        ("1234567812345678", False),  # sequential, fails Luhn
    ],
)
def test_when_card_digits_then_luhn_decides(digits: str, ok: bool) -> None:
    assert luhn_ok(digits) is ok


@pytest.mark.parametrize(
    ("digits", "ok"),
    [
        ("4111111111111111", True),  # Visa, 16
        ("378282246310005", True),  # Amex, 15
        ("3782822463100050", False),  # Amex prefix with 16 digits
        ("9111111111111111", False),  # no network starts with 9
    ],
)
def test_when_issuer_prefix_then_length_must_fit(digits: str, ok: bool) -> None:
    assert card_prefix_ok(digits) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("DE89370400440532013000", True),  # the ECBS example IBAN
        ("GB82WEST12345698765432", True),  # UK example
        ("DE89370400440532013001", False),  # one digit off: mod-97 fails
        ("DE8937040044053201300", False),  # too short for Germany
        ("XX89370400440532013000", False),  # unknown country
    ],
)
def test_when_iban_then_mod97_and_length_decide(value: str, ok: bool) -> None:
    assert iban_ok(value) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("11010519491231002X", True),  # the standard's worked example
        ("11010519491231002x", True),  # lower-case check character
        ("110105194912310021", False),  # wrong check character
        ("110105194913310028", False),  # month 13
        ("910105194912310021", False),  # region must start 1-8
    ],
)
def test_when_chinese_resident_id_then_checksum_and_date_decide(value: str, ok: bool) -> None:
    assert cn_resident_id_ok(value) is ok


def _my_number(body: str) -> str:
    total = sum(int(ch) * (n + 1 if n <= 6 else n - 5) for n, ch in enumerate(reversed(body), start=1))
    rem = total % 11
    return body + str(0 if rem <= 1 else 11 - rem)


@pytest.mark.parametrize("body", ["12345678901", "00000000001", "98765432109"])
def test_when_my_number_check_digit_right_then_valid_and_wrong_then_not(body: str) -> None:
    good = _my_number(body)
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    assert my_number_ok(good)
    assert not my_number_ok(bad)


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("3201014501900001", True),  # West Java, woman born 05-01-90
        ("3201010501900001", True),  # man born 05-01-90
        ("9901010501900001", False),  # no province 99
        ("3201013201900001", False),  # day 32
        ("3201010501900000", False),  # serial 0000
    ],
)
def test_when_nik_then_structure_decides(value: str, ok: bool) -> None:
    assert nik_ok(value) is ok


@pytest.mark.parametrize(
    ("area", "group", "serial", "ok"),
    [
        ("123", "45", "6789", True),
        ("000", "45", "6789", False),  # area 000 never issued
        ("666", "45", "6789", False),  # area 666 never issued
        ("900", "45", "6789", False),  # 9xx are ITINs
        ("123", "00", "6789", False),
        ("123", "45", "0000", False),
    ],
)
def test_when_ssn_then_ssa_rules_decide(area: str, group: str, serial: str, ok: bool) -> None:
    assert us_ssn_ok(area, group, serial) is ok
