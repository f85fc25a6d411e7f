"""Tidying the small model's answers, and the lexical grounding check."""

from __future__ import annotations

import pytest

from relaydesk.generation.grounding import check_grounding, clean_answer, settled_failure

REFUNDS = "Refunds are processed within 5 business days after we receive the returned item."
HOURS = "Our team is available Monday to Friday from 8:00 to 20:00."


@pytest.mark.parametrize(
    ("raw", "finish", "clean"),
    [
        # the model announces its answer
        ('The answer to the question "How long?" is: 5 business days', "stop", "5 business days"),
        # a Q/A prefix and a chunk citation
        ("A: [refunds#0] Refunds take 5 business days.", "stop", "Refunds take 5 business days."),
        # it repeats itself
        ("Refunds take 5 days. The answer is: Refunds take 5 days.", "stop", "Refunds take 5 days."),
        # cut off by the token limit mid-sentence
        ("Refunds take 5 days. They are paid to your", "length", "Refunds take 5 days."),
        # cut off, but nothing complete to fall back to: keep it
        ("Refunds take 5 days and", "length", "Refunds take 5 days and"),
        # a source label in parentheses
        ("Tap Freeze (source: card-lost#0).", "stop", "Tap Freeze."),
        # only boilerplate
        ("The answer is:", "stop", ""),
        ("The correct answer is: Refunds take 5 days.", "stop", "Refunds take 5 days."),
        ('The incorrect answer is: "Refunds take 5 days.', "stop", "Refunds take 5 days."),
    ],
)
def test_when_raw_answer_is_messy_then_it_is_tidied(raw: str, finish: str, clean: str) -> None:
    assert clean_answer(raw, finish) == clean


@pytest.mark.parametrize(
    ("answer", "question", "supported", "used"),
    [
        # restates the source
        ("Your refund is processed within five business days once we receive the item.", "", True, (0,)),
        # short and factual
        ("5 business days.", "", True, (0,)),
        # invents content
        ("A refund is a store credit that you can spend on anything you like.", "", False, (0,)),
        # right words, wrong number
        ("Refunds are processed within 7 business days.", "", False, (0,)),
        # draws on the second source
        ("We are available Monday to Friday from 8:00 to 20:00.", "", True, (1,)),
        # echoes the customer's own words and number: allowed
        ("Your order 88231 will be refunded within 5 business days.", "Where is the refund for order 88231?",
         True, (0,)),
        # ... unless the question is untrusted, when only sources count
        ("Your order 88231 will be refunded within 5 business days.", "", False, (0,)),
        # nothing of substance
        ("Sure, happy to help!", "", False, ()),
    ],
)
def test_when_answer_is_checked_then_support_decides(
    answer: str, question: str, supported: bool, used: tuple[int, ...]
) -> None:
    result = check_grounding(answer, [REFUNDS, HOURS], question, min_support=0.75)
    assert result.supported is supported
    assert result.source_indices[: len(used)] == used


LIMITS = (
    "Limits. You can send up to 15,000 EUR a day in the app. Cash withdrawals are capped at 2,500 EUR a month. "
    "Cards work in every country we serve."
)


@pytest.mark.parametrize(
    ("answer", "question", "reason"),
    [
        # every word and number is somewhere in the sources, but the number belongs to another limit
        ("The daily limit for sending money in the app is 2,500 EUR.", "What is the daily limit for sending money?",
         "local_number"),
        # words gathered from all over the passage into a claim no sentence makes
        ("Cash cards send every country a day.", "What are the rules?", "local_terms"),
    ],
)
def test_when_an_answer_sentence_has_no_one_place_in_the_sources_then_not_vouched_for(
    answer: str, question: str, reason: str
) -> None:
    grounding = check_grounding(answer, [LIMITS], question, 0.75)
    assert not grounding.supported and grounding.reason == reason


def test_when_each_sentence_keeps_to_one_place_then_vouched_for() -> None:
    answer = "You can send up to 15,000 EUR a day in the app. Withdrawals are capped at 2,500 EUR a month."
    assert check_grounding(answer, [LIMITS], "What are my limits?", 0.75).supported


def test_when_the_model_lists_copied_ids_and_lead_ins_then_only_the_answer_is_kept() -> None:
    raw = ("- The answer is: [card-pin] You can change the PIN at any cash machine. - The answer is: [pins] - The")
    assert clean_answer(raw, "length") == "You can change the PIN at any cash machine."


@pytest.mark.parametrize("lead_in", ["source: ", "Sources: ", "The source of the information is: ", "Source says: "])
def test_when_the_model_names_its_source_before_the_answer_then_the_label_is_dropped(lead_in: str) -> None:
    assert clean_answer(lead_in + "Interest is paid monthly.") == "Interest is paid monthly."
    assert clean_answer("The source is clear. Interest is paid monthly.") == (
        "The source is clear. Interest is paid monthly.")  # prose, no label


def test_while_streaming_a_finished_sentence_that_fails_is_final_and_an_unfinished_one_is_not_judged() -> None:
    question = "What is the daily limit for sending money?"
    assert settled_failure("The daily limit is 2,500 EUR. You can", [LIMITS], question, 0.75) == "local_number"
    assert settled_failure("The daily limit is 2,500 EU", [LIMITS], question, 0.75) is None
    assert settled_failure("You can send up to 15,000 EUR a day. Cash", [LIMITS], question, 0.75) is None
    assert settled_failure("How much can I send? You", [LIMITS], question, 0.75) == "restates_question"
