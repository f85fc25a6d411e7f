"""A number the customer gave is grounded when the reply repeats it; other numbers are not."""

from __future__ import annotations

import pytest

from relaydesk.compliance.core import echoed_numbers


@pytest.mark.parametrize(
    ("reply", "turn", "expected"),
    [
        # the order number from the customer's own message
        ("Order 77812 ships today.", "where is order 77812?", ["77812"]),
        # a number the customer never wrote stays a claim to check
        ("Refunds take 14 days.", "how long do refunds take?", []),
        # no turn text: nothing is exempt
        ("Order 77812 ships today.", None, []),
        # a date written the same way by both
        ("Your visit on 2026-03-14 is booked.", "can I come on 2026-03-14", ["2026-03-14"]),
    ],
)
def test_when_reply_repeats_customer_number_then_exempt(reply: str, turn: str | None, expected: list[str]) -> None:
    assert [reply[a:b] for a, b in echoed_numbers(reply, turn)] == expected
