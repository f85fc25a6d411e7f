"""An explicit request for a person is its own signal, in every supported language."""

from __future__ import annotations

import pytest

from relaydesk.nlu.person_request import asks_for_person


@pytest.mark.parametrize(
    "text",
    [
        "This is ridiculous, I have asked three times. Let me talk to a real person now.",  # angry, top intent complaint
        "agent please",  # the short form
        "Human!",  # one word
        "Can I speak with a representative?",  # polite question
        "put me through to someone who can help",  # transfer phrasing
        "I want a human",  # demand
        "转人工",  # zh: transfer to a human
        "我要和人工客服说话",  # zh: speak with human service
        "オペレーターと話したい",  # ja: want to talk to an operator
        "担当者につないでください",  # ja: connect me to the person in charge
        "saya mau bicara dengan orang",  # id: I want to talk to a person
        "tolong sambungkan saya ke petugas",  # id: please connect me to an officer
    ],
)
def test_when_customer_asks_for_a_person_then_signal(text: str) -> None:
    assert asks_for_person(text)


@pytest.mark.parametrize(
    "text",
    [
        "Is this a real person?",  # a question about the bot, not a request
        "My travel agent booked the flight with the wrong card",  # an agent, not ours
        "How do I block my card?",  # an ordinary question
        "Please talk me through the refund process",  # 'talk' without a person
        "",  # empty
        "我的卡丢了",  # zh: I lost my card
        "カードをなくしました",  # ja: I lost my card
        "kartu saya hilang",  # id: my card is lost
    ],
)
def test_when_no_request_for_a_person_then_no_signal(text: str) -> None:
    assert not asks_for_person(text)
