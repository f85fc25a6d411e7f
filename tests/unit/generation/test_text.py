"""Text tools: content terms, numbers, sentences, token estimates and truncation."""

from __future__ import annotations

import pytest

from relaydesk.generation.text import approx_tokens, content_terms, numbers, sentences, truncate_to_tokens


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        # stop words go, suffixes are trimmed
        ("Refunds are processed within days", ["refund", "process", "day"]),
        # politeness is not content
        ("Sorry, happy to help! Thanks.", []),
        # CJK becomes character bigrams
        ("退款处理", ["退款", "款处", "处理"]),
        # a single CJK character stays a term
        ("猫", ["猫"]),
    ],
)
def test_when_text_is_split_then_content_terms_remain(text: str, terms: list[str]) -> None:
    assert content_terms(text) == terms


@pytest.mark.parametrize(
    ("text", "found"),
    [
        # digits, times and thousands separators
        ("Call 0800 123 at 9:00, fee 1,000.50", {"0800", "123", "9:00", "1000.50"}),
        # number words count as numbers
        ("within five days", {"5"}),
        # none
        ("no numbers here", set()),
    ],
)
def test_when_numbers_are_read_then_they_are_normalised(text: str, found: set[str]) -> None:
    assert numbers(text) == found


def test_when_text_has_sentences_then_they_split_on_terminators_and_newlines() -> None:
    assert sentences("One. Two? Three!\nFour 你好。再见") == ["One.", "Two?", "Three!", "Four 你好。", "再见"]


@pytest.mark.parametrize(
    "text",
    [
        "Refunds are processed within 5 business days after we receive the returned item.",
        "退款将在收到退货后的5个工作日内处理。",
        "",
    ],
)
def test_when_text_is_truncated_then_it_fits_the_budget(text: str) -> None:
    for budget in (3, 8, 20, 200):
        cut = truncate_to_tokens(text, budget)
        assert approx_tokens(cut) <= max(budget, 0) or cut == ""
        if approx_tokens(text) <= budget:
            assert cut == text


def test_when_whole_sentences_fit_then_truncation_keeps_whole_sentences() -> None:
    text = "First sentence here. Second sentence is here too. Third one is the longest of all of them."
    assert truncate_to_tokens(text, 18) == "First sentence here. Second sentence is here too."
    assert truncate_to_tokens(text, 17) == "First sentence here."


def test_when_a_numbered_list_item_splits_then_its_marker_is_no_sentence() -> None:
    text = "Block it in the app\n1. Open the app.\n2. Choose the card.\n3. Confirm. It is blocked at once."
    assert sentences(text) == ["Block it in the app", "Open the app.", "Choose the card.", "Confirm.",
                               "It is blocked at once."]
    assert sentences("It costs 3. 5 EUR more.") == ["It costs 3.", "5 EUR more."]
