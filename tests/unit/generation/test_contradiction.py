"""The grounding check catches what a small model gets wrong with the sources' own words: a flipped negation,
an added condition, a changed unit, an answer that only hands the question back (issue 14's examples)."""

from __future__ import annotations

import pytest

from relaydesk.generation.contradiction import (
    negation_conflict,
    quantities,
    restates_question,
    unit_conflicts,
    unsupported_condition,
)
from relaydesk.generation.grounding import check_grounding

EU_ROAMING = (
    "Roaming in Europe. You can use your phone abroad in the EU just like at home: EU roaming costs nothing "
    "extra. Calls, texts and data are allowed within your plan's allowance."
)
ESIM = (
    "Switch to an eSIM. You can replace your plastic SIM with a digital eSIM. Open the app, go to SIM settings "
    "and tap Switch to eSIM. Once the eSIM is active, you can get rid of the plastic SIM card."
)
REFUNDS = "Refunds are processed within 5 business days. Refunds are not available for digital downloads."
ESIM_Q = "Can I get rid of the plastic SIM and use a digital one?"


@pytest.mark.parametrize(
    ("answer", "source", "question", "reason"),
    [
        # issue 14: the article says EU roaming costs nothing extra; every word is the article's
        ("In Europe, using your phone abroad is not allowed.", EU_ROAMING, "Can I use my phone in Europe?",
         "negation"),
        # issue 14: the article explains how to switch to an eSIM
        ("No, you cannot get rid of the plastic SIM and use a digital one.", ESIM, ESIM_Q, "negation"),
        # issue 14: a reply that only repeats the question
        ("Can I get rid of the plastic SIM and use a digital one?", ESIM, ESIM_Q, "restates_question"),
        # ... or turns it into a statement without adding anything
        ("You can get rid of the plastic SIM and use a digital one.", ESIM, ESIM_Q, "restates_question"),
        # the source negates, the answer drops the negation
        ("Refunds are available for digital downloads.", REFUNDS, "Do you refund music I bought?", "negation"),
        # the same number with another unit
        ("Refunds are processed within 5 business weeks.", REFUNDS, "How long do refunds take?", "unit"),
        # a restriction the source does not make
        ("Refunds are processed within 5 business days only.", REFUNDS, "How long do refunds take?",
         "condition"),
        # a number the source does not have
        ("Refunds are processed within 7 business days.", REFUNDS, "How long do refunds take?", "number"),
    ],
)
def test_when_answer_contradicts_its_source_then_not_vouched_for(
    answer: str, source: str, question: str, reason: str
) -> None:
    result = check_grounding(answer, [source], question, min_support=0.75)
    assert (result.supported, result.reason) == (False, reason)


@pytest.mark.parametrize(
    ("answer", "source", "question"),
    [
        # the article's own claim, positively
        ("Yes, EU roaming costs nothing extra.", EU_ROAMING, "Can I use my phone in Europe?"),
        # a negation the source makes too, in other words
        ("You can use your phone abroad in the EU at no extra cost.", EU_ROAMING, "Can I use my phone in Europe?"),
        # the steps, not the question back
        ("Yes, open the app, go to SIM settings and tap Switch to eSIM.", ESIM, ESIM_Q),
        # a negation the source holds
        ("Digital downloads cannot be refunded.", REFUNDS, "Do you refund music I bought?"),
        # the right number and unit
        ("Refunds are processed within 5 business days.", REFUNDS, "How long do refunds take?"),
    ],
)
def test_when_answer_keeps_to_its_source_then_vouched_for(answer: str, source: str, question: str) -> None:
    result = check_grounding(answer, [source], question, min_support=0.75)
    assert (result.supported, result.reason) == (True, None)


@pytest.mark.parametrize(
    ("answer", "source", "conflict"),
    [
        # zh: the source says refunds are processed, the answer says they cannot be
        ("退款不能在5个工作日内处理。", "退款会在5个工作日内处理。", True),
        # zh: both say it
        ("退款会在5个工作日内处理。", "退款会在5个工作日内处理。", False),
        # zh: the source says digital goods cannot be refunded, the answer says they can
        ("数字商品可以退款。", "数字商品不能退款。", True),
        # ja: "refunds are not processed" against "processed within 5 business days"
        ("返金は処理されません。", "返金は5営業日以内に処理されます。", True),
        # ja: the same statement
        ("返金は5営業日以内に処理されます。", "返金は5営業日以内に処理されます。", False),
        # id: "tidak diproses" against "diproses"
        ("Pengembalian dana tidak diproses dalam 5 hari kerja.", "Pengembalian dana diproses dalam 5 hari kerja.",
         True),
        # id: the same statement
        ("Pengembalian dana diproses dalam 5 hari kerja.", "Pengembalian dana diproses dalam 5 hari kerja.", False),
        # en: a bare "No." where no source says no
        ("No.", "You can switch to an eSIM in the app.", True),
    ],
)
def test_when_negations_differ_then_conflict_in_every_language(answer: str, source: str, conflict: bool) -> None:
    assert negation_conflict(answer, [source]) is conflict


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a range shares its unit, fillers between number and unit are skipped
        ("Delivery takes 3 to 5 business days.", {("3", "day"), ("5", "day")}),
        # currency before the number
        ("A new card costs €5.", {("5", "eur")}),
        # zh and ja units after the number
        ("3个工作日内，24時間", {("3", "day"), ("24", "hour")}),
        # id: "hari" is a day
        ("dalam 7 hari", {("7", "day")}),
        # no unit
        ("Call 0800 123", {("0800", None), ("123", None)}),
    ],
)
def test_when_numbers_have_units_then_they_are_read_with_them(text: str, expected: set) -> None:
    assert quantities(text) == expected


def test_when_answer_changes_a_unit_then_conflict_but_a_bare_number_in_the_source_allows_any() -> None:
    assert unit_conflicts("Support answers within 24 days.", ["Support answers within 24 hours."]) == ("24 day",)
    assert unit_conflicts("We are open 24 hours.", ["We are open 24/7 on 24 lines."]) == ()


@pytest.mark.parametrize(
    ("answer", "source", "kind"),
    [
        # "only" where the source has no restriction
        ("You can only switch in a shop.", "You can switch in a shop or in the app.", "restriction"),
        # "unless" where the source has no exception
        ("Roaming is free unless you are in Switzerland.", "EU roaming costs nothing extra.", "exception"),
        # zh "必须" (must) with no requirement in the source
        ("您必须去门店办理。", "您可以在应用中办理。", "requirement"),
        # id "hanya" (only) where the source has "hanya" too: fine
        ("Hanya di aplikasi.", "Penggantian hanya di aplikasi.", None),
        # ja "場合" (if) where the source has a condition too: fine
        ("紛失した場合は停止してください。", "カードを紛失した場合はアプリで停止できます。", None),
    ],
)
def test_when_answer_adds_a_condition_then_its_kind_is_named(answer: str, source: str, kind: str | None) -> None:
    assert unsupported_condition(answer, [source]) == kind


@pytest.mark.parametrize(
    ("answer", "question", "restates"),
    [
        # a short answer that adds the fact
        ("5 business days.", "How long do refunds take?", False),
        # the question asked back
        ("How long do refunds take?", "How long do refunds take?", True),
        # zh: the question's words only
        ("退款需要多长时间", "退款需要多长时间？", True),
        # an untrusted turn (no question to compare with) is judged on the sources alone
        ("Refunds take time.", "", False),
    ],
)
def test_when_answer_adds_nothing_to_the_question_then_it_restates_it(
    answer: str, question: str, restates: bool
) -> None:
    assert restates_question(answer, question) is restates


def test_when_answer_negates_what_was_asked_then_it_answers_rather_than_restates() -> None:
    # "Does it cost extra?" - "It costs nothing extra.": few new words, but the answer itself
    assert not restates_question("EU roaming costs nothing extra.", "Does roaming in the EU cost extra?")


def test_when_the_answer_opens_by_asking_the_question_back_then_it_restates_it() -> None:
    question = "my new card came today, how do I turn it on?"
    answer = "Your new card came today, how do you turn it on? Open the app and tap Activate."
    assert restates_question(answer, question)


def test_when_a_japanese_answer_only_adds_grammar_to_the_question_then_it_restates_it() -> None:
    assert restates_question("暗証番号を忘れてログインできなくなります。", "暗証番号を忘れてログインできません")


def test_when_a_japanese_answer_says_it_can_no_longer_do_what_the_source_allows_then_conflict() -> None:
    assert negation_conflict("カード設定から解除できなくなります。", ["アプリのカード設定から解除できます。"])


@pytest.mark.parametrize(
    ("answer", "source", "conflict"),
    [
        ("You cannot pay the postage for a faulty item.", "You do not pay for sending back a faulty item.", True),
        ("You can't withdraw before the end of the term.", "Fixed pots cannot be withdrawn before the end.", False),
        ("Anda tidak bisa membatalkan pesanan.", "Pesanan tidak dibatalkan otomatis.", True),
        ("订单发货后不能取消。", "订单发货后无法取消。", False),
    ],
)
def test_when_the_answer_says_something_cannot_be_done_then_the_source_must_say_so_too(
    answer: str, source: str, conflict: bool
) -> None:
    assert negation_conflict(answer, [source]) is conflict
