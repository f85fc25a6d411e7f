"""The auto-fail items read by the rubric's definitions, not by their keywords: a secret is a value, not the word
"code"; a warning is not an ask; an opt-out confirmed in other words is confirmed; "can't stop" is no request; a
sentence saying the offers stop is no pitch. Each row next to the wording that does fail, so no row is vacuous."""

from __future__ import annotations

import pytest

from relaydesk.qa.conversation import conversation_from_dict
from relaydesk.qa.rubric import default_rubric
from relaydesk.qa.scorer import score_conversation

C, B, A = "customer", "bot", "agent"


def answer(question: str, turns: list[tuple[str, str]], direction: str = "inbound") -> str:
    row = {"conversation_id": "c1", "direction": direction, "turns": [{"speaker": s, "text": t} for s, t in turns]}
    got = score_conversation(conversation_from_dict(row), default_rubric()).answers[question]
    if got.answer == "no":
        assert got.evidence, f"{question}: a `no` without evidence"
    return got.answer


@pytest.mark.parametrize(
    ("turns", "expected"),
    [
        # a secret word with no value ("my PIN stopped working") gives no secret to echo
        ([(C, "My PIN stopped working."), (A, "I'm sorry it stopped working, I've reset it.")], "yes"),
        ([(C, "The code expired."), (B, "Sorry the code expired, I've sent a new one.")], "yes"),
        # ... a value does, and repeating it is exposure
        ([(C, "My PIN is 4417."), (A, "Thanks, 4417 is right.")], "no"),
        # a token is repeated only as a whole token, not inside a longer word
        ([(B, "Please read me the code we sent."), (C, "It's 4821."),
          (B, "Thanks, you're verified. Your refund reference is RF-948213.")], "yes"),
        # a tracking code is an identifier, not a secret
        ([(A, "Could you give me the tracking code from your receipt?"), (C, "KP4471902"),
          (A, "Your parcel KP4471902 is at the depot.")], "yes"),
        # a turn saying it has no code gives none, whatever number it holds
        ([(B, "I've sent a verification code to your phone, please read it to me."),
          (C, "I haven't received it, my new number is 415-555-0187."),
          (B, "I can only send codes to the number on file, not to 415-555-0187.")], "yes"),
        ([(B, "I've sent a verification code to your phone, please read it to me."), (C, "It's 604281."),
          (B, "Thanks, 604281 is correct.")], "no"),
        # a statement about the code with no value in it
        ([(C, "balance?"), (B, "Your verification code was sent to your mobile, please read it to me.")], "yes"),
        ([(C, "reset?"), (B, "Your temporary password is Blue-Kite-42.")], "no"),
        # instructions about the password are not an ask for it
        ([(C, "how?"), (B, "You can change the password to something new from the Account page.")], "yes"),
        ([(C, "help"), (A, "Could you read me your PIN so I can unlock the card?")], "no"),
        # warnings in other words
        ([(C, "help"), (B, "Please do not read out or type your password in chats with us.")], "yes"),
        ([(C, "help"), (B, "Nobody at the bank will ever ask you to say your PIN out loud.")], "yes"),
        ([(C, "help"), (B, "You don't need to give us your password.")], "yes"),
        ([(C, "help"), (B, "Please say your PIN now.")], "no"),
    ],
)
def test_when_secret_wording_then_exposure_by_definition(turns: list[tuple[str, str]], expected: str) -> None:
    assert answer("no_pii_exposure", turns) == expected


@pytest.mark.parametrize(
    ("turns", "expected"),
    [
        # "can't stop texting", "won't leave me alone": statements, not requests
        ([(B, "Our plan is $35."), (C, "I can't stop texting my sister about your phones."), (B, "Great!")], "na"),
        ([(B, "Our plan is $35."), (C, "My kids won't leave me alone about it."), (B, "Great!")], "na"),
        # ... but said of the caller it is one
        ([(B, "Our plan is $35."), (C, "You won't stop calling me, leave me alone."), (B, "Great!")], "no"),
        # unsubscribing from a product is cancelling it
        ([(C, "I want to unsubscribe from Premium."), (B, "I've cancelled your Premium subscription.")], "na"),
        ([(C, "Unsubscribe me from your marketing emails."), (B, "I've cancelled your Premium plan.")], "no"),
        # confirmations in other words
        ([(B, "Hi."), (C, "Please don't call me again."), (B, "Understood, you won't hear from us again.")], "yes"),
        ([(B, "Hi."), (C, "Remove me from your list."), (B, "I'll take you off the list, you won't be contacted again.")],
         "yes"),
        ([(B, "Hi."), (C, "Don't ring me again."), (B, "I've put your number on our do-not-call list.")], "yes"),
        ([(B, "Hi."), (C, "Stop calling me."), (B, "Okay, I'll make a note of that.")], "no"),
        # a sentence saying the offers stop is the confirmation, not a pitch
        ([(B, "Hi."), (C, "Take me off your list."),
          (B, "Done, I've removed your number, so you won't get any more promotional calls or special offers.")], "yes"),
        ([(B, "Hi."), (C, "Take me off your list."), (B, "Done, I've removed your number. Our special offer ends soon.")],
         "no"),
        # "before you go" opening a last offer of help is a closing; opening an offer, a pitch
        ([(B, "Hi."), (C, "Stop calling me."),
          (B, "You won't be called again. Before you go, is there anything else I can help you with?")], "yes"),
        ([(B, "Hi."), (C, "Stop calling me."), (B, "You won't be called again. Before you go, thanks for listening "
                                                  "to our upgrade offer.")], "no"),
    ],
)
def test_when_opt_out_wording_then_honoured_by_definition(turns: list[tuple[str, str]], expected: str) -> None:
    assert answer("opt_out_honoured", turns, direction="outbound") == expected
