"""The dialer's pure core: every attempt (first dials, retries) passes the check; blocked numbers never produce
`dial.allowed`; outcomes become recorded attempts and, when the bot answers, the disclosure opening."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from relaydesk.campaigns import core
from relaydesk.campaigns.core import DialerDeps
from relaydesk.carrier import core as carrier
from relaydesk.carrier.config import CarrierSettings
from relaydesk.consent.events import consent_event
from relaydesk.consent.view import ConsentView
from relaydesk.events.consent import ConsentEvent
from relaydesk.events.outbound import CampaignCommand, DialAllowed, DialBlocked, DialOutcome
from relaydesk.events.reply import ReplyDraft

T0 = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)  # 11:00 in New York
GOOD, DNC, INVALID = "+12125550101", "+12125550102", "+10005550103"


class Clock:
    def __init__(self) -> None:
        self.at = T0

    def __call__(self) -> datetime:
        return self.at


def definition(**changes: object) -> dict:
    doc = {"campaign_id": "c1", "tenant": "acme", "purpose": "telemarketing", "channel": "voice", "ai_voice": True,
           "jurisdictions": ["us_federal"], "calling_window": {"start": "08:00", "end": "21:00"},
           "max_attempts_per_24h": 3, "company": "Acme Energy", "agents": 5, "retry_after_s": 10}
    doc.update(changes)
    return doc


@pytest.fixture
def dialer() -> tuple[DialerDeps, Clock]:
    clock = Clock()
    view = ConsentView(now=clock)
    before = T0 - timedelta(days=1)
    view.apply(consent_event("acme", "registry_snapshot", before))
    for phone in (GOOD, DNC, INVALID):
        view.apply(consent_event("acme", "consent", before, phone, written=True, scope=["telemarketing"]))
        view.apply(consent_event("acme", "contact", before, phone, campaign_id="c1",
                                 attributes={"first_name": "Dana"}))
    view.apply(consent_event("acme", "internal_dnc", before, DNC))
    deps = DialerDeps(ledger=view, now=clock)
    core.apply_command(CampaignCommand(tenant_id="acme", campaign_id="c1", action="define",
                                       definition=definition()), deps)
    return deps, clock


def test_when_not_started_then_nothing_dialled(dialer) -> None:
    deps, _ = dialer
    assert not core.dialing(deps)  # the worker's tick then skips planning altogether
    assert core.plan(deps) == []


def test_when_started_then_paused_then_dialing_follows(dialer) -> None:
    deps, _ = dialer
    core.apply_command(CampaignCommand(tenant_id="acme", campaign_id="c1", action="start"), deps)
    assert core.dialing(deps)
    core.apply_command(CampaignCommand(tenant_id="acme", campaign_id="c1", action="pause"), deps)
    assert not core.dialing(deps)


def test_when_started_then_blocked_numbers_never_allowed_and_decisions_not_repeated(dialer) -> None:
    deps, _ = dialer
    core.apply_command(CampaignCommand(tenant_id="acme", campaign_id="c1", action="start"), deps)
    decisions = core.plan(deps)
    allowed = [d for d in decisions if isinstance(d, DialAllowed)]
    blocked = {d.rule for d in decisions if isinstance(d, DialBlocked)}
    assert [d.phone for d in allowed] == [GOOD]
    abandon = allowed[0].connector_hints["abandon_message"]
    assert "Acme Energy" in abandon and "stop" in abandon.lower()  # played if no agent within 2 s
    assert blocked == {"internal_dnc", "invalid_number"}
    assert all(isinstance(d, DialAllowed | DialBlocked) and d.evidence for d in decisions)
    assert core.plan(deps) == []  # in flight, and the final blocks are not re-decided


def test_when_no_answer_then_retry_passes_the_check_again(dialer) -> None:
    deps, clock = dialer
    core.apply_command(CampaignCommand(tenant_id="acme", campaign_id="c1", action="start"), deps)
    first = next(d for d in core.plan(deps) if isinstance(d, DialAllowed))
    outcome = DialOutcome(tenant_id="acme", campaign_id="c1", attempt_id=first.attempt_id,
                          phone_hash=first.phone_hash, outcome="no_answer", at=clock())
    core.apply_dial_event(outcome, deps)
    for event in core.handle_outcome(outcome, deps):  # the attempt is recorded on the ledger
        assert isinstance(event, ConsentEvent)
        deps.ledger.apply(event)
    clock.at += timedelta(seconds=11)
    # The customer revoked meanwhile: the retry is checked like any dial, and blocked.
    deps.ledger.apply(consent_event("acme", "revocation", clock.at - timedelta(seconds=1), GOOD))
    retry = core.plan(deps)
    assert len(retry) == 1 and isinstance(retry[0], DialBlocked)
    assert retry[0].rule == "consent_revoked" and retry[0].attempt_kind == "retry"
    assert retry[0].attempt_id != first.attempt_id


def test_when_bot_answers_then_opening_discloses_names_company_and_opt_out(dialer) -> None:
    deps, clock = dialer
    core.apply_command(CampaignCommand(tenant_id="acme", campaign_id="c1", action="start"), deps)
    allowed = next(d for d in core.plan(deps) if isinstance(d, DialAllowed))
    outcome = DialOutcome(tenant_id="acme", campaign_id="c1", attempt_id=allowed.attempt_id,
                          phone_hash=allowed.phone_hash, outcome="answered", at=clock(), handled_by="bot",
                          conversation_id=allowed.conversation_id)
    out = core.handle_outcome(outcome, deps)
    opening = next(e for e in out if isinstance(e, ReplyDraft))  # a draft: compliance checks it like any reply
    assert opening.mode == "scripted" and opening.addressee_name == "Dana"
    assert "automated assistant" in opening.text and "Acme Energy" in opening.text and "Dana" in opening.text
    assert "stop" in opening.text.lower()
    assert core.handle_outcome(outcome, deps)[1].event_id == opening.event_id  # redelivery: same ids


async def test_when_carrier_rings_then_fate_is_seeded_by_attempt_and_abandons_without_agent() -> None:
    async def no_sleep(_: float) -> None:
        return None

    settings = CarrierSettings(answer_probability=1.0)
    deps = carrier.CarrierDeps(settings=settings, sleep=no_sleep)
    allowed = DialAllowed(tenant_id="acme", campaign_id="c1", attempt_id="a1", phone_hash="0" * 32, at=T0,
                          phone=GOOD, ai_voice=False, connector_hints={"agents": 1, "answer_probability": 1.0})
    first = (await carrier.handle(allowed, deps))[0]
    assert isinstance(first, DialOutcome)
    assert first.outcome == "answered" and first.handled_by == "agent"
    second = (await carrier.handle(allowed.model_copy(update={"attempt_id": "a2", "event_id": "e" * 32}), deps))[0]
    assert isinstance(second, DialOutcome)
    assert second.outcome == "abandoned"  # the only agent is talking: no agent within 2 s
    assert carrier.fate_of(allowed, settings) == carrier.fate_of(allowed, settings)


def test_when_same_dial_arrives_twice_then_carrier_places_it_once() -> None:
    deps = carrier.CarrierDeps(placed_kept=2)
    allowed = DialAllowed(tenant_id="acme", campaign_id="c1", attempt_id="a1", phone_hash="0" * 32, at=T0,
                          phone=GOOD)
    assert carrier.first_time(allowed, deps)
    assert not carrier.first_time(allowed, deps)
    for i in range(3):  # memory stays bounded: the oldest ids go
        carrier.first_time(allowed.model_copy(update={"event_id": f"{i}" * 32}), deps)
    assert len(deps.placed) == 2
