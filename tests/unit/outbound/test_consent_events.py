"""Revocation in the reply path, the consent view rebuilt from ledger records, and `consent show`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from relaydesk.common import serde
from relaydesk.consent.events import consent_event
from relaydesk.consent.from_turn import revocation_from_turn
from relaydesk.consent.numbers import phone_hash
from relaydesk.consent.view import ConsentView
from relaydesk.events import ConversationTurn
from relaydesk.events.conversation import Speaker

PHONE = "+12125550101"
T0 = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


def turn(text: str, customer_ref: str | None = PHONE, speaker: Speaker = "customer") -> ConversationTurn:
    return ConversationTurn(tenant_id="acme", conversation_id="c1", turn_id="t1", channel="outbound",
                            speaker=speaker, text=text, customer_ref=customer_ref)


@pytest.mark.parametrize(
    ("text", "ref", "speaker", "revokes"),
    [
        ("please stop calling me", PHONE, "customer", True),  # E.164 ref + revocation
        ("jangan telepon saya lagi", PHONE, "customer", True),  # Indonesian
        ("call me tomorrow", PHONE, "customer", False),  # a look-alike
        ("STOP", "user-42", "customer", False),  # no number to tie it to
        ("STOP", "+1212555", "customer", False),  # not a valid number
        ("STOP", PHONE, "agent", False),  # only the customer can revoke
    ],
)
def test_when_turn_seen_then_revocation_only_for_customer_number_and_revoking_text(
    text: str, ref: str, speaker: Speaker, revokes: bool
) -> None:
    seen = turn(text, ref, speaker)
    event = revocation_from_turn(seen)
    assert (event is not None) is revokes
    if event is not None:
        assert event.phone_hash == phone_hash("acme", PHONE)
        assert event.phone is None and event.kind == "revocation" and event.source == "guard"
        again = revocation_from_turn(seen)  # a redelivered turn: the same revocation id
        assert again is not None and again.event_id == event.event_id
        serde.serialize(event)  # valid against its schema


def test_when_view_rebuilt_from_records_then_same_answer_and_redeliveries_count_once() -> None:
    events = [
        consent_event("acme", "consent", T0 - timedelta(days=5), PHONE, written=True, scope=["telemarketing"]),
        consent_event("acme", "revocation", T0 - timedelta(days=1), PHONE),
    ]
    records = [(e.key(), serde.serialize(e)) for e in events]
    first, rebuilt = ConsentView(now=lambda: T0), ConsentView(now=lambda: T0)
    for key, value in records:
        first.apply_record(key, value)
    for key, value in records + records:  # a restart reads everything again, and a redelivery repeats
        rebuilt.apply_record(key, value)
    shown = rebuilt.show("acme", PHONE)
    assert shown == first.show("acme", PHONE)
    assert shown["callable"] is False and shown["rule"] == "consent_revoked"
    assert [e["type"] for e in shown["events"]] == ["consent", "revocation"]
    assert PHONE not in str(shown)
    assert rebuilt.show("globex", PHONE)["callable"] is True  # another tenant's ledger is its own


@pytest.mark.parametrize(
    ("phone", "extra", "expected"),
    [
        ("+1212555", None, "invalid_number"),
        (PHONE, ("internal_dnc", {}), "internal_dnc"),
        (PHONE, ("consent", {"written": True, "scope": ["telemarketing"]}), None),
    ],
)
def test_when_show_then_rule_says_why_not_callable(phone: str, extra, expected: str | None) -> None:
    view = ConsentView(now=lambda: T0)
    if extra is not None:
        view.apply(consent_event("acme", extra[0], T0 - timedelta(hours=1), phone, **extra[1]))
    shown = view.show("acme", phone)
    assert shown["rule"] == expected
    assert shown["callable"] is (expected is None)


def test_when_record_unreadable_then_its_number_is_not_callable() -> None:
    view = ConsentView(now=lambda: T0)
    key = f"acme:{phone_hash('acme', PHONE)}:x".encode()
    with pytest.raises(serde.EventError):
        view.apply_record(key, b'{"event_type": "consent.event", "event_version": 1, "kind": "revocation"}')
    assert view.show("acme", PHONE) == {"callable": False, "rule": "unreadable_data", "events": []}
    assert view.show("acme", "+12125550102")["callable"] is True
