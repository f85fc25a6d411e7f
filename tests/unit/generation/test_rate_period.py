"""A figure must keep the period the sources give it for."""

from __future__ import annotations

import pytest

from relaydesk.generation.grounding import check_grounding
from relaydesk.generation.rate_period import figure_periods, period_conflicts

SAVINGS = "Instant-access pots earn 2.1% a year, calculated daily and paid monthly."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (SAVINGS, {("2.1", "year")}),
        ("A savings pot pays 2.1% interest per month.", {("2.1", "month")}),
        ("You can send up to 15,000 EUR a day in the app.", {("15000", "day")}),
        ("Free cash abroad: Basic 200 EUR/month.", {("200", "month")}),
        ("Withdraw up to 500 EUR daily.", {("500", "day")}),
        ("Biaya 5 EUR per bulan.", {("5", "month")}),
        ("The fee is 4.99 EUR.", {("4.99", None)}),
        # never across a sentence's end
        ("It is closed within 2 working days. Payments a month later are returned.", {("2", None)}),
    ],
)
def test_when_a_period_follows_a_figure_then_it_is_read(text: str, expected: set) -> None:
    assert figure_periods(text) == expected


def test_when_the_answer_swaps_the_period_then_it_conflicts() -> None:
    assert period_conflicts("A savings pot pays 2.1% interest per month.", [SAVINGS]) == ("2.1 per month",)
    assert period_conflicts("Savings pots earn 2.1% a year.", [SAVINGS]) == ()
    # the sources also give the figure with no period: nothing to hold the answer to
    assert period_conflicts("It costs 5 EUR a month.", ["It costs 5 EUR.", "5 EUR a year"]) == ()
    # a figure the sources do not give is the number rule's business
    assert period_conflicts("It costs 7 EUR a month.", [SAVINGS]) == ()


def test_when_a_generated_answer_swaps_the_period_then_grounding_says_period() -> None:
    got = check_grounding("A savings pot pays 2.1% interest per month.", [SAVINGS], "what interest does a savings "
                          "pot pay?", 0.5)
    assert not got.supported and got.reason == "period"
