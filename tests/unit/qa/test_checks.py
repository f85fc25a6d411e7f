"""Each rubric check on small conversations, one row per behaviour the rubric text names."""

from __future__ import annotations

import pytest

from relaydesk.qa.conversation import conversation_from_dict
from relaydesk.qa.rubric import default_rubric
from relaydesk.qa.scorer import score_conversation

C, B, A = "customer", "bot", "agent"
REFUNDS = [{"doc_id": "r", "title": "Refunds", "body": "Refunds are issued within 5 business days."}]


def answer(question: str, turns: list[tuple[str, str]], direction: str = "inbound", **extra: object) -> str:
    row = {"conversation_id": "c1", "direction": direction, "turns": [{"speaker": s, "text": t} for s, t in turns]}
    row.update(extra)
    result = score_conversation(conversation_from_dict(row), default_rubric())
    got = result.answers[question]
    if got.answer == "no":
        assert got.evidence, f"{question}: a `no` without evidence"
    return got.answer


@pytest.mark.parametrize(
    ("question", "turns", "direction", "expected"),
    [
        # greeting: the first staff message greets or says who is speaking
        ("greeting", [(C, "hi"), (B, "Hello, thanks for contacting us.")], "inbound", "yes"),
        ("greeting", [(C, "退款多久？"), (B, "退款需要五天。")], "inbound", "no"),
        ("greeting", [(C, "注文は？"), (A, "お電話ありがとうございます。田中と申します。")], "inbound", "yes"),
        # ai_disclosure: outbound, bot first: says automated and names the company
        ("ai_disclosure", [(B, "Hi, this is an automated assistant from Acme Bank about your card.")], "outbound", "yes"),
        ("ai_disclosure", [(B, "Hi, this is Acme Bank about your card.")], "outbound", "no"),
        ("ai_disclosure", [(C, "hello"), (B, "Hello, I'm a virtual assistant.")], "inbound", "na"),
        ("ai_disclosure", [(A, "Hi, this is Sam from Acme Bank.")], "outbound", "na"),
        # identity_check: a verification item asked for and given before account data
        ("identity_check", [(C, "What's my balance?"), (B, "Please tell me the last 4 digits of your card."),
                            (C, "4821"), (B, "Your current balance is $20.")], "inbound", "yes"),
        ("identity_check", [(C, "Where is my order?"), (B, "What's your order number?"), (C, "88123"),
                            (B, "Your order has shipped.")], "inbound", "no"),
        ("identity_check", [(C, "How long do refunds take?"), (B, "Refunds take 5 business days.")], "inbound", "na"),
        ("identity_check", [(C, "余额多少？"), (B, "为了核实身份，请问您的出生日期是？"), (C, "1990年7月3日"),
                            (B, "您的账户余额是310元。")], "inbound", "yes"),
        # grounded: claims supported by the knowledge
        ("grounded", [(C, "Refunds?"), (B, "Refunds are issued within 5 business days.")], "inbound", "yes"),
        ("grounded", [(C, "Refunds?"), (B, "Refunds are issued within 9 business days.")], "inbound", "no"),
        ("grounded", [(C, "hi"), (B, "Hello! How can I help?")], "inbound", "na"),
        # empathy: each negative emotion acknowledged by the next staff message
        ("empathy", [(C, "This is so frustrating!"), (B, "I'm sorry to hear that. Let me help.")], "inbound", "yes"),
        ("empathy", [(C, "Saya kesal sekali."), (B, "Nomor pesanan Anda?")], "inbound", "no"),
        ("empathy", [(C, "No worries, take your time."), (B, "Thanks!")], "inbound", "na"),
        # handoff_honoured: a request for a human followed at once by a hand-off or a human
        ("handoff_honoured", [(C, "I want to talk to a human."), (B, "Sure, I'm connecting you to an agent now.")],
         "inbound", "yes"),
        ("handoff_honoured", [(C, "我要转人工。"), (B, "这个问题我就可以帮您解答。")], "inbound", "no"),
        ("handoff_honoured", [(A, "Hi, Sam here."), (C, "I want a manager.")], "inbound", "na"),
        # resolution: resolved or a concrete next step
        ("resolution", [(C, "Reset?"), (B, "You can reset it from the login page.")], "inbound", "yes"),
        ("resolution", [(C, "Reset?"), (B, "I don't know, sorry."), (C, "That doesn't help.")], "inbound", "no"),
        # no_pii_exposure (auto-fail): no full card / id / password / PIN / code repeated or asked for
        ("no_pii_exposure", [(C, "card?"), (B, "I see card 4111 1111 1111 1111 on file.")], "inbound", "no"),
        ("no_pii_exposure", [(C, "help"), (B, "Please tell me your PIN to continue.")], "inbound", "no"),
        ("no_pii_exposure", [(C, "help"), (B, "We will never ask for your PIN.")], "inbound", "yes"),
        ("no_pii_exposure", [(C, "help"), (B, "Please give me the last 4 digits of your card.")], "inbound", "yes"),
        ("no_pii_exposure", [(B, "I sent a code to your phone, please read it."), (C, "482913"),
                             (B, "Thanks, code 482913 is confirmed.")], "inbound", "no"),
        # opt_out_honoured (auto-fail): confirmed at once and the pitch stops
        ("opt_out_honoured", [(B, "Our plan is $30."), (C, "Please stop calling me."),
                              (B, "Understood, we won't call you again.")], "outbound", "yes"),
        ("opt_out_honoured", [(B, "Our plan is $30."), (C, "Don't call me again."),
                              (B, "Before you go, we have a special discount.")], "outbound", "no"),
        ("opt_out_honoured", [(B, "Our plan is $30."), (C, "Haha, I can't stop laughing.")], "outbound", "na"),
        ("opt_out_honoured", [(B, "光回線は月額5,500円です。"), (C, "もう電話しないでください。"),
                              (B, "承知しました。今後お電話はいたしません。")], "outbound", "yes"),
        # closing: the last staff message offers help, thanks or says goodbye
        ("closing", [(C, "ok"), (B, "Is there anything else I can help you with?")], "inbound", "yes"),
        ("closing", [(C, "ok"), (B, "Did you get our email?")], "inbound", "no"),
        ("closing", [(C, "oke"), (B, "Terima kasih, sampai jumpa.")], "inbound", "yes"),
    ],
)
def test_when_conversation_checked_then_rubric_answer(
    question: str, turns: list[tuple[str, str]], direction: str, expected: str
) -> None:
    assert answer(question, turns, direction, knowledge=REFUNDS) == expected


def test_when_evidence_span_shown_then_card_digits_are_masked() -> None:
    row = {"conversation_id": "c1", "turns": [{"speaker": C, "text": "card?"},
                                              {"speaker": B, "text": "I see card 4111 1111 1111 1111 on file."}]}
    result = score_conversation(conversation_from_dict(row), default_rubric())
    spans = [span for _turn, span in result.answers["no_pii_exposure"].spans]
    assert spans and all("4111" not in s and "1111" not in s for s in spans)
    assert result.auto_failed and result.score == 0.0
