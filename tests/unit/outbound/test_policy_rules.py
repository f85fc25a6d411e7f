"""The pre-dial check, rule by rule, on a small in-memory ledger."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from relaydesk.campaigns.model import parse_campaign
from relaydesk.campaigns.policy import Attempt, check
from relaydesk.consent.ledger import Ledger, parse_line

AT = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)  # 11:00 in New York (EDT)
NY = "+12125550101"


def campaign(**changes: object):
    doc = {
        "campaign_id": "c1", "tenant": "acme", "purpose": "telemarketing", "channel": "voice", "ai_voice": True,
        "jurisdictions": ["us_federal"], "calling_window": {"start": "08:00", "end": "21:00"},
        "max_attempts_per_24h": 3,
    }
    doc.update(changes)
    return parse_campaign(doc)


def ledger(*lines: dict) -> Ledger:
    out = Ledger()
    out.add_all(e for e in (parse_line({"tenant": "acme", **line}) for line in
                            [{"type": "registry_snapshot", "at": "2026-03-01T00:00:00Z"}, *lines]) if e)
    return out


WRITTEN_TM = {"type": "consent", "phone": NY, "at": "2026-02-01T00:00:00Z", "written": True,
              "scope": ["telemarketing"]}


def verdict(led: Ledger, phone: str = NY, at: datetime = AT, **changes: object) -> str | None:
    decision = check(Attempt("a1", "c1", phone, at), campaign(**changes), led)
    return decision.rule


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ([WRITTEN_TM], None),  # written telemarketing consent, fresh registry, inside the windows
        ([], "no_consent"),  # AI voice needs consent
        ([{**WRITTEN_TM, "written": False}], "no_consent"),  # oral consent is not enough for telemarketing
        ([WRITTEN_TM, {"type": "revocation", "phone": NY, "at": "2026-03-01T00:00:00Z"}], "consent_revoked"),
        ([WRITTEN_TM, {"type": "message", "phone": NY, "at": "2026-03-01T00:00:00Z", "text": "STOP"}],
         "consent_revoked"),  # a message that revokes is a revocation
        ([WRITTEN_TM, {"type": "message", "phone": NY, "at": "2026-03-01T00:00:00Z", "text": "call me later"}],
         None),  # a message that does not revoke changes nothing
        ([WRITTEN_TM, {"type": "revocation", "phone": NY, "at": "2026-03-20T00:00:00Z"}], None),  # after the attempt
        ([WRITTEN_TM, {"type": "internal_dnc", "phone": NY, "at": "2026-03-01T00:00:00Z"}], "internal_dnc"),
        ([{**WRITTEN_TM}, {"type": "registry_listing", "phone": NY}], None),  # listed, but written consent
    ],
)
def test_when_ledger_says_then_first_blocking_rule_wins(lines: list[dict], expected: str | None) -> None:
    assert verdict(ledger(*lines)) == expected


def test_when_human_voice_then_no_consent_needed_but_registry_applies() -> None:
    led = ledger({"type": "registry_listing", "phone": NY})
    assert verdict(led, ai_voice=False) == "dnc_registry"
    assert verdict(ledger(), ai_voice=False) is None


def test_when_other_tenant_revoked_then_this_tenant_unaffected() -> None:
    led = ledger(WRITTEN_TM)
    revocation = parse_line({"type": "revocation", "tenant": "globex", "phone": NY, "at": "2026-03-01T00:00:00Z"})
    assert revocation is not None
    led.add(revocation)
    assert verdict(led) is None


def test_when_registry_snapshot_older_than_31_days_then_stale() -> None:
    led = ledger(WRITTEN_TM)
    assert verdict(led, at=datetime(2026, 4, 1, 0, 0, tzinfo=UTC)) is None  # exactly 31 days: not older
    assert verdict(led, at=datetime(2026, 4, 1, 14, 0, tzinfo=UTC)) == "registry_stale"


def test_when_attempts_reach_cap_then_frequency_cap_counts_previous_24h_only() -> None:
    attempts = [{"type": "attempt", "phone": NY, "at": (AT - timedelta(hours=h)).isoformat(), "outcome": "busy"}
                for h in (1, 2, 25)]
    led = ledger(WRITTEN_TM, *attempts)
    assert verdict(led, max_attempts_per_24h=2) == "frequency_cap"
    assert verdict(led, max_attempts_per_24h=3) is None  # the one 25 h ago does not count


def test_when_ledger_line_unreadable_then_number_blocked() -> None:
    led = ledger(WRITTEN_TM)
    led.taint("acme", None)
    assert verdict(led) == "unreadable_data"


def test_when_split_zone_number_then_every_zone_must_fit() -> None:
    idaho = "+12085550102"  # America/Boise and America/Los_Angeles
    led = ledger({**WRITTEN_TM, "phone": idaho})
    assert verdict(led, phone=idaho, at=datetime(2026, 3, 10, 14, 30, tzinfo=UTC)) == "calling_window"  # LA 07:30
    assert verdict(led, phone=idaho, at=datetime(2026, 3, 10, 15, 30, tzinfo=UTC)) is None
