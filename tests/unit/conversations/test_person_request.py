"""An explicit request for a person is its own signal, in every supported language."""

from __future__ import annotations

import pytest

from relaydesk.nlu.person_request import asks_about_hours, asks_for_person


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


@pytest.mark.parametrize(
    ("text", "about_hours"),
    [
        ("what hours are real people available in chat?", True),
        ("When is your support team online?", True),
        ("客服几点上班？", True),
        ("サポートの対応時間は何時までですか", True),
        ("Jam berapa CS bisa dihubungi?", True),
        # an explicit request wins, whatever else it asks
        ("When can I talk to a real person? Put me through now", False),
        ("转人工", False),
        ("人工客服几点上班？", False),  # naming 人工客服 is a request to the person patterns, and that wins
        ("I want a human", False),
        # no question about hours at all
        ("How do I freeze my card?", False),
        ("", False),
    ],
)
def test_when_the_customer_asks_when_people_are_available_then_it_is_no_request(text: str, about_hours: bool) -> None:
    assert asks_about_hours(text) is about_hours
