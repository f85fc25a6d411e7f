"""The reply eval's scoring rules: fact matching, question selection, what counts as a decline, and the
figures for each arm."""

from __future__ import annotations

import pytest

from relaydesk.evaluation.outcome import BASELINE, SYSTEM, ArmReply, Outcome
from relaydesk.evaluation.questions import QuestionError, ReplyQuestion, has_fact, parse_question, select
from relaydesk.evaluation.report import declined, summarise


@pytest.mark.parametrize(
    ("reply", "facts", "expected"),
    [
        ("It arrives in 3 to 5 working days.", ["3 to 5 working days"], True),  # literal
        ("IT ARRIVES IN 3 TO 5 WORKING DAYS", ["3 to 5 working days"], True),  # case
        ("新卡通常3至5个工作日送达。", ["3 至 5 个工作日"], True),  # CJK without the article's spaces
        ("３〜５営業日で届きます", ["3〜5 営業日"], True),  # full-width digits
        ("Limits go up to 2500 EUR.", ["2,500 EUR"], True),  # thousands separator
        ("Tap **Freeze card** in the app.", ["Freeze card"], True),  # Markdown emphasis
        ("Choose “I don’t recognise this”.", ["I don't recognise this"], True),  # curly quotes
        ("It costs 2,99 EUR.", ["2.99 EUR"], False),  # a decimal comma is not a thousands separator
        ("It arrives in 5 working days.", ["3 to 5 working days"], False),  # another number
        ("Anything at all.", [" "], False),  # a blank fact never matches
        ("Block it in the app.", ["Report lost or stolen", "block it"], True),  # any of the facts counts
    ],
)
def test_when_reply_checked_then_fact_found_as_normalised(reply: str, facts: list[str], expected: bool) -> None:
    assert has_fact(reply, facts) is expected


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ({"id": "dev-en-1", "question": "q?"}, "facts_any"),  # in scope without facts
        ({"id": "dev-en-1", "question": "q?", "expect": "answer"}, "expect"),  # unknown expectation
        ({"question": "q?", "facts_any": ["x"]}, "id"),  # no id
    ],
)
def test_when_line_malformed_then_error_names_the_problem(line: dict[str, object], error: str) -> None:
    with pytest.raises(QuestionError, match=error):
        parse_question(line, "q.jsonl:1")


def _q(i: int, lang: str = "en", declines: bool = False, split: str = "dev") -> ReplyQuestion:
    return ReplyQuestion(f"{split}-{lang}-{i:03d}", lang, f"question {i}", None if declines else "doc",
                         () if declines else ("fact",), "decline" if declines else None)


def test_when_limited_then_split_kept_and_out_of_scope_in_proportion() -> None:
    qs = [_q(i, lang) for i, lang in enumerate(["en"] * 10 + ["zh"] * 5 + ["ja"] * 5)]
    qs += [_q(100 + i, declines=True) for i in range(4)] + [_q(200, split="test")]
    chosen = select(qs, "dev", 8)
    assert len(chosen) == 8 and all(q.split == "dev" for q in chosen)
    assert sum(q.declines for q in chosen) == 1  # 8 * 4/24, rounded
    assert {q.lang for q in chosen if not q.declines} == {"en", "zh", "ja"}  # round-robin over languages, not the first 7
    assert len(select(qs, None, None)) == len(qs) and len(select(qs, "test", 5)) == 1


def _arm(text: str, mode: str = "generated", reason: str | None = None, verdict: str = "pass",
         handoff: bool = False, sources: tuple[str, ...] = ("doc",), gen_ms: float = 100.0) -> ArmReply:
    return ArmReply(text, mode, reason, verdict, handoff, sources, gen_ms, 5.0)


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (_arm("A person will help.", "handoff", "out_of_scope", handoff=True, sources=()), True),  # hand-off
        (_arm("Sorry, I can't answer that; see “Fees”.", "extractive", "no_answer"), True),  # says why
        (_arm("Here is the Fees article.", "extractive", "ungrounded"), False),  # pasted an article
        (_arm("It costs 5 EUR."), False),  # an answer
        (_arm("Blocked.", "handoff", handoff=True), True),  # compliance blocked: a person takes it
    ],
)
def test_when_reply_judged_then_decline_recognised(reply: ArmReply, expected: bool) -> None:
    assert declined(reply) is expected


def _outcome(q: ReplyQuestion, system: ArmReply, baseline: ArmReply, top: str | None = "doc") -> Outcome:
    ms = {"guard": 1.0, "intent": 2.0, "emotion": 1.0, "retrieval": 3.0}
    return Outcome(q, ms, top, "x", False, {SYSTEM: system, BASELINE: baseline})


def test_when_summarised_then_system_and_baseline_scored_on_the_same_turns() -> None:
    outcomes = [
        _outcome(_q(1), _arm("the fact is here"), _arm("a passage with the fact", "extractive", "unavailable")),
        _outcome(_q(2, "zh"), _arm("no", verdict="redacted"), _arm("fact", "extractive", "unavailable"),
                 top="other"),
        _outcome(_q(3, declines=True), _arm("A person will help.", "handoff", handoff=True, sources=()),
                 _arm("An article.", "extractive", "unavailable", gen_ms=1.0)),
    ]
    r = summarise(outcomes)
    assert (r["questions"], r["in_scope"], r["out_of_scope"]) == (3, 2, 1)
    assert r["facts_share"] == 0.5 and r["baseline"]["facts_share"] == 1.0
    assert r["facts_share_minus_baseline"] == -0.5
    assert r["compliance_pass_share"] == round(2 / 3, 4) and r["baseline"]["compliance_pass_share"] == 1.0
    assert r["decline_share"] == 1.0 and r["baseline"]["decline_share"] == 0.0
    assert r["false_decline_share"] == 0.0 and r["retrieval_top1"] == 0.5
    assert r["median_reply_chars"] == len("the fact is here")
    assert set(r["latency_ms"]) == {"guard", "intent", "emotion", "retrieval", "generation", "compliance", "total"}
    assert r["latency_ms"]["total"]["p50"] == 7.0 + 100.0 + 5.0
    assert set(r["baseline"]["latency_ms"]) == {"generation", "compliance", "total"}
    assert r["by_lang"]["zh"] == {"n": 1, "facts_share": 0.0, "baseline_facts_share": 1.0, "retrieval_top1": 0.0}
    assert r["modes"] == {"generated": 2, "handoff": 1}
