"""The dialer's pure core: campaign commands fold into a registry; each pacing tick picks the next attempts of
every started campaign (first dials, retries after no answer, re-checks of temporarily blocked numbers), runs
EVERY one through `policy.check` and returns `dial.allowed` / `dial.blocked`; each outcome becomes a recorded
attempt on the consent ledger and, when the bot answers, the conversation's first message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from relaydesk.campaigns.model import Campaign, CampaignError, parse_campaign
from relaydesk.campaigns.opener import abandoned_call_message, contact_name, opening_message
from relaydesk.campaigns.pacing import PacerState, pacer_for
from relaydesk.campaigns.policy import Attempt, AttemptKind, LedgerReader, check
from relaydesk.campaigns.stats import CampaignStats
from relaydesk.consent.ledger import Entry
from relaydesk.consent.numbers import phone_hash
from relaydesk.events import utcnow
from relaydesk.events.consent import ConsentEvent
from relaydesk.events.envelope import Envelope
from relaydesk.events.ids import content_id, derived_id
from relaydesk.events.outbound import CampaignCommand, DialAllowed, DialBlocked, DialOutcome
from relaydesk.events.reply import ReplyDraft, reply_id_for

log = logging.getLogger(__name__)

STAGE = "campaigns"
# Blocks that end a number's part in this campaign; others (a window, a cap) are re-checked later.
FINAL_RULES = frozenset({"invalid_number", "consent_revoked", "internal_dnc", "no_consent", "dnc_registry"})
RETRYABLE_OUTCOMES = frozenset({"no_answer", "busy", "voicemail"})


class ContactSource(LedgerReader, Protocol):
    def campaign_contacts(self, tenant: str, campaign_id: str) -> list[Entry]: ...


@dataclass
class CampaignState:
    campaign: Campaign
    started: bool = False
    stats: CampaignStats | None = None
    status: str = "defined"  # defined | started | paused

    def __post_init__(self) -> None:
        if self.stats is None:
            self.stats = CampaignStats(self.campaign.campaign_id)


@dataclass
class DialerDeps:
    ledger: ContactSource
    campaigns: dict[tuple[str, str], CampaignState] = field(default_factory=dict)
    now: Callable[[], datetime] = utcnow
    recheck_after: timedelta = timedelta(seconds=60)
    # Agents busy until, per campaign (from answered outcomes handled by an agent).
    busy_until: dict[tuple[str, str], list[datetime]] = field(default_factory=dict)


def apply_command(command: CampaignCommand, deps: DialerDeps) -> None:
    key = (command.tenant_id, command.campaign_id)
    if command.action == "define":
        try:
            campaign = parse_campaign(command.definition or {})
        except CampaignError as exc:
            raise ValueError(f"campaign definition: {exc.problems[:4]}") from None
        if campaign.tenant != command.tenant_id or campaign.campaign_id != command.campaign_id:
            raise ValueError("campaign definition: tenant or campaign_id differs from the command's")
        state = deps.campaigns.get(key)
        if state is None:
            deps.campaigns[key] = CampaignState(campaign)
        else:
            state.campaign = campaign
        return
    state = deps.campaigns.get(key)
    if state is None:
        raise ValueError(f"{command.action} of a campaign that was never defined")
    state.started = command.action == "start"
    state.status = "started" if state.started else "paused"


def stats_for(deps: DialerDeps, tenant: str, campaign_id: str) -> CampaignStats | None:
    state = deps.campaigns.get((tenant, campaign_id))
    return state.stats if state else None


def apply_dial_event(event: DialAllowed | DialBlocked | DialOutcome, deps: DialerDeps) -> None:
    stats = stats_for(deps, event.tenant_id, event.campaign_id)
    if stats is None:
        return
    if stats.apply(event) and isinstance(event, DialOutcome) and event.handled_by == "agent":
        busy = deps.busy_until.setdefault((event.tenant_id, event.campaign_id), [])
        busy.append(event.at + timedelta(seconds=event.talk_s))


def _due(contact: Entry, state: CampaignState, now: datetime, recheck_after: timedelta) -> AttemptKind | None:
    assert state.stats is not None and contact.phone_hash is not None
    progress = state.stats.numbers.get(contact.phone_hash)
    if progress is None:
        return "dial"
    if progress.in_flight or progress.last_at is None:
        return None
    if progress.last_rule is not None:
        if progress.last_rule in FINAL_RULES or now - progress.last_at < recheck_after:
            return None
        return "retry" if progress.dialled else "dial"
    retry_due = (now - progress.last_at).total_seconds() >= state.campaign.retry_after_s
    if progress.last_outcome in RETRYABLE_OUTCOMES and progress.dialled <= state.campaign.max_retries and retry_due:
        return "retry"
    return None


def _pacer_state(state: CampaignState, deps: DialerDeps, now: datetime) -> PacerState:
    stats = state.stats
    assert stats is not None
    campaign = state.campaign
    key = (campaign.tenant, campaign.campaign_id)
    busy = [t for t in deps.busy_until.get(key, []) if t > now]
    deps.busy_until[key] = busy
    # With an AI voice the bot takes the call: `agents` is then the number of concurrent bot lines.
    agents = max(1, campaign.agents)
    live, abandoned = stats.window(now)
    dialled = stats.allowed
    done = dialled - stats.in_flight
    return PacerState(
        agents=agents,
        free_agents=max(0, agents - (0 if campaign.ai_voice else len(busy))),
        soon_free=sum(1 for t in busy if (t - now).total_seconds() <= 15.0),
        in_flight=stats.in_flight,
        live_answered=live,
        abandoned=abandoned,
        dialled=dialled,
        answered_share=(stats.outcomes.get("answered", 0) + 1) / (done + 2),
    )


def dialing(deps: DialerDeps) -> bool:
    """Whether any campaign is started (a tick has something to plan)."""
    return any(state.started for state in list(deps.campaigns.values()))


def plan(deps: DialerDeps) -> list[Envelope]:
    """One pacing tick over every started campaign."""
    now = deps.now()
    out: list[Envelope] = []
    for state in list(deps.campaigns.values()):
        if state.started:
            out.extend(_plan_campaign(state, deps, now))
    return out


def _plan_campaign(state: CampaignState, deps: DialerDeps, now: datetime) -> list[Envelope]:
    campaign = state.campaign
    stats = state.stats
    assert stats is not None
    lines = pacer_for(campaign.pacing, campaign.agents).lines_to_dial(_pacer_state(state, deps, now))
    out: list[Envelope] = []
    if lines <= 0:
        return out
    for contact in deps.ledger.campaign_contacts(campaign.tenant, campaign.campaign_id):
        kind = _due(contact, state, now, deps.recheck_after)
        if kind is None or contact.phone is None or contact.phone_hash is None:
            continue
        progress = stats.numbers.get(contact.phone_hash)
        number = progress.attempts if progress else 0
        decision_event = decide(campaign, contact.phone, kind, number, now, deps.ledger)
        apply_dial_event(decision_event, deps)  # our own decision counts at once; its echo is deduped
        out.append(decision_event)
        if isinstance(decision_event, DialAllowed):
            lines -= 1
            if lines <= 0:
                break
    return out


def decide(
    campaign: Campaign, phone: str, kind: AttemptKind, number: int, now: datetime, ledger: LedgerReader
) -> DialAllowed | DialBlocked:
    """The policy's answer for one attempt as the event that records it (ids derived from campaign, number and
    attempt count, so a restarted dialer re-deciding the same attempt writes the same event)."""
    hashed = phone_hash(campaign.tenant, phone)
    attempt_id = content_id("attempt", campaign.tenant, campaign.campaign_id, hashed, number)
    decision = check(Attempt(attempt_id, campaign.campaign_id, phone, now, kind), campaign, ledger)
    common = {
        "event_id": derived_id(attempt_id, STAGE, "decision"),
        "tenant_id": campaign.tenant,
        "campaign_id": campaign.campaign_id,
        "attempt_id": attempt_id,
        "attempt_kind": kind,
        "phone_hash": hashed,
        "at": now,
        "evidence": decision.evidence,
    }
    if decision.allowed:
        return DialAllowed(
            **common,  # type: ignore[arg-type]
            conversation_id=f"ob-{attempt_id[:24]}",
            phone=phone,
            channel=campaign.channel,
            ai_voice=campaign.ai_voice,
            pacing=campaign.pacing,
            # What a connector plays when no agent takes a live answer within 2 s: identity and opt-out.
            connector_hints={"answer_probability": campaign.answer_probability, "agents": campaign.agents,
                             "abandon_message": abandoned_call_message(campaign)},
        )
    return DialBlocked(**common, rule=decision.rule or "blocked", rule_source=decision.source)  # type: ignore[arg-type]


def handle_outcome(outcome: DialOutcome, deps: DialerDeps) -> list[Envelope]:
    """A connector's outcome: the attempt recorded on the ledger (frequency caps and Ofcom's 72 h read it) and,
    when the bot took an answered call, the conversation's first message."""
    out: list[Envelope] = [
        ConsentEvent(
            event_id=derived_id(outcome.event_id, STAGE, "attempt"),
            tenant_id=outcome.tenant_id,
            causation_id=outcome.event_id,
            kind="attempt",
            at=outcome.at,
            phone_hash=outcome.phone_hash,
            campaign_id=outcome.campaign_id,
            attempt_id=outcome.attempt_id,
            outcome=outcome.outcome,
            source="campaigns",
        )
    ]
    state = deps.campaigns.get((outcome.tenant_id, outcome.campaign_id))
    if outcome.outcome == "answered" and outcome.handled_by == "bot" and outcome.conversation_id and state:
        attributes: dict[str, str] = {}
        view = deps.ledger.view(outcome.tenant_id, outcome.phone_hash, outcome.at)
        if view.contact is not None:
            attributes = dict(view.contact.attributes)
        turn_id = f"open-{outcome.attempt_id[:16]}"
        out.append(
            ReplyDraft(
                event_id=derived_id(outcome.event_id, STAGE, "opener"),
                tenant_id=outcome.tenant_id,
                conversation_id=outcome.conversation_id,
                causation_id=outcome.event_id,
                turn_id=turn_id,
                reply_id=reply_id_for(outcome.conversation_id, turn_id),
                text=opening_message(state.campaign, attributes),
                # A fixed, reviewed script (disclosure, company, opt-out), not model output: compliance checks it
                # like every reply (PII, forbidden claims, audit) except groundedness, and leaves the contact's
                # own name unmasked.
                mode="scripted",
                addressee_name=contact_name(attributes) or None,
                handoff=False,
                speaker="bot",
                received_at=outcome.at,
            )
        )
    return out
