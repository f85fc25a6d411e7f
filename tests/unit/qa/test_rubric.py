"""The rubric as code: the built-in ten questions, the score formula, auto-fail, conditions, versions."""

from __future__ import annotations

import pytest

from relaydesk.qa.rubric import default_rubric, parse_rubric

TEN = ("greeting", "ai_disclosure", "identity_check", "grounded", "empathy", "handoff_honoured", "resolution",
       "no_pii_exposure", "opt_out_honoured", "closing")


def test_when_default_rubric_loaded_then_exactly_the_ten_questions_in_order() -> None:
    rubric = default_rubric()
    assert rubric.question_ids == TEN
    assert rubric.auto_fail_ids == ("no_pii_exposure", "opt_out_honoured")


def _yes_except(**answers: str) -> dict[str, str]:
    return {q: answers.get(q, "yes") for q in TEN}


@pytest.mark.parametrize(
    ("answers", "score", "failed"),
    [
        (_yes_except(), 100.0, False),  # all yes
        (_yes_except(greeting="no"), round(100 * 22 / 23, 2), False),  # weight 1 of 23 lost
        (_yes_except(ai_disclosure="na", greeting="no"), round(100 * 20 / 21, 2), False),  # na leaves the base
        (_yes_except(resolution="no", grounded="no"), round(100 * 17 / 23, 2), False),  # two weight-3 items
        (_yes_except(no_pii_exposure="no"), 0.0, True),  # auto-fail item `no` zeroes the score
        (_yes_except(opt_out_honoured="no", greeting="no"), 0.0, True),  # the other auto-fail item
        (_yes_except(opt_out_honoured="na"), 100.0, False),  # an auto-fail item that is na does not fail
        ({q: "na" for q in TEN}, None, False),  # nothing answerable
    ],
)
def test_when_answers_scored_then_formula_holds(answers: dict[str, str], score: float | None, failed: bool) -> None:
    assert default_rubric().score(answers) == (score, failed)


def test_when_content_changes_then_version_changes_and_comments_do_not() -> None:
    base = "name: t\nsections:\n  - id: s\n    questions:\n      - id: greeting\n        weight: 1\n"
    same = "# a comment\n" + base
    heavier = base.replace("weight: 1", "weight: 2")
    assert parse_rubric(base).version == parse_rubric(same).version
    assert parse_rubric(base).version != parse_rubric(heavier).version
    assert parse_rubric(base).version != default_rubric().version


@pytest.mark.parametrize(
    "text",
    [
        "name: t\nsections: []\n",  # no sections
        "name: t\nsections:\n  - id: s\n    questions:\n      - {id: a}\n      - {id: a}\n",  # duplicate ids
        "name: t\nsections:\n  - id: s\n    questions:\n      - {id: a, weight: 0}\n",  # weight must be > 0
        "name: t\nsections:\n  - id: s\n    questions:\n      - {id: a, when: {direction: [outbound]}}\n",  # no na
        "name: t\nsections:\n  - id: s\n    questions:\n      - {id: a, allow_na: true, when: {mood: [x]}}\n",
        "- just a list\n",  # not a mapping
        "sections: [1, 2\n",  # not YAML
    ],
)
def test_when_rubric_invalid_then_rejected(text: str) -> None:
    with pytest.raises(ValueError):
        parse_rubric(text)


def test_when_condition_fails_then_question_not_applicable() -> None:
    q = default_rubric().question("ai_disclosure")
    assert q.applies({"direction": "outbound", "first_speaker": "bot"})
    assert not q.applies({"direction": "inbound", "first_speaker": "bot"})
    assert not q.applies({"direction": "outbound", "first_speaker": "agent"})
