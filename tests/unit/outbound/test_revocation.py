"""Revocation by any reasonable means, en/zh/ja/id, and the look-alikes that must not revoke."""

from __future__ import annotations

import pytest

from relaydesk.consent.revocation import detect_revocation, revokes


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("STOP", "en"),  # the standard keywords on their own (47 CFR 64.1200(a)(10))
        ("stop!!", "en"),  # punctuation around a keyword
        ("Quit", "en"),
        ("END", "en"),
        ("revoke", "en"),
        ("OPT OUT", "en"),
        ("optout", "en"),
        ("Cancel", "en"),
        ("unsubscribe", "en"),
        ("Stop please", "en"),  # a keyword with a courtesy word
        ("please stop calling me", "en"),  # free text
        ("Don't call me again.", "en"),
        ("do not contact me anymore", "en"),
        ("take me off your calling list", "en"),
        ("remove my number from your list", "en"),
        ("I want to opt out", "en"),
        ("I revoke my consent", "en"),
        ("no more calls please", "en"),
        ("stop sending me these texts", "en"),
        ("不要再打电话了", "zh"),
        ("别再给我打电话了", "zh"),
        ("退订", "zh"),
        ("请勿再致电", "zh"),
        ("もう電話しないでください", "ja"),
        ("電話をかけないでください", "ja"),
        ("配信停止", "ja"),
        ("jangan telepon saya lagi", "id"),
        ("berhenti menelepon saya", "id"),
        ("hapus nomor saya dari daftar", "id"),
    ],
)
def test_when_text_revokes_then_detected_with_its_language(text: str, lang: str) -> None:
    found = detect_revocation(text)
    assert found is not None
    assert found.lang == lang


@pytest.mark.parametrize(
    "text",
    [
        "I can't stop laughing",  # 'stop' inside a sentence about something else
        "call me tomorrow",  # asks for a call
        "don't call me before 5pm",  # asks for another time
        "Please don't stop calling me",  # the negation of a revocation
        "cancel my order",  # 'cancel' about an order, not consent
        "when does the offer end?",  # 'end' in a question
        "明天给我打电话",  # zh: call me tomorrow
        "我笑得停不下来",  # zh: I can't stop laughing
        "明日電話してください",  # ja: please call tomorrow
        "電話を切らないでください",  # ja: don't hang up
        "笑いが止まらない",  # ja: can't stop laughing
        "telepon saya besok",  # id: call me tomorrow
        "jangan tutup teleponnya",  # id: don't hang up
        "saya tidak bisa berhenti tertawa",  # id: can't stop laughing
        "",  # nothing
    ],
)
def test_when_text_only_looks_similar_then_not_a_revocation(text: str) -> None:
    assert not revokes(text)
