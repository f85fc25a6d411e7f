"""The pre-dial policy: one pure check for every dial or message, callbacks and retries included.

`check(attempt, campaign, ledger)` applies the base rules and those of every rule pack that applies, in the
issue's order (invalid_number, consent_revoked, internal_dnc, no_consent, registry_stale, dnc_registry,
calling_window, frequency_cap, abandoned_recall), reading only the campaign tenant's ledger entries at or before
the attempt time, and returns the first rule that blocks with the evidence it used. Data that cannot be read
blocks (`unreadable_data`); nothing is allowed by default.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from relaydesk.campaigns.facts import NumberFacts, facts_for
from relaydesk.campaigns.model import Campaign, minutes_of
from relaydesk.campaigns.packs import PACKS, Evidence, Rule, RuleContext, RulePack, Window, iso
from relaydesk.consent.ledger import NumberView
from relaydesk.consent.numbers import phone_hash
from relaydesk.consent.view import revocation_evidence

AttemptKind = Literal["dial", "retry", "callback", "message"]
CAP_WINDOW = timedelta(hours=24)


class LedgerReader(Protocol):
    def view(self, tenant: str, hashed: str, at: datetime) -> NumberView: ...


@dataclass(frozen=True)
class Attempt:
    attempt_id: str
    campaign_id: str
    phone: str
    at: datetime
    kind: AttemptKind = "dial"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    rule: str | None
    evidence: dict[str, Any] = field(default_factory=dict)
    source: str | None = None

    def as_json(self, attempt_id: str) -> dict[str, Any]:
        return {"attempt_id": attempt_id, "allowed": self.allowed, "rule": self.rule}


# --- base rules (every campaign) -------------------------------------------------------------------------------


def invalid_number(ctx: RuleContext) -> Evidence | None:
    return None if ctx.facts.valid else {"reason": "not a valid E.164 number"}


def unreadable_data(ctx: RuleContext) -> Evidence | None:
    return {"reason": "a ledger entry about this number could not be read"} if ctx.view.unreadable else None


def consent_revoked(ctx: RuleContext) -> Evidence | None:
    found = revocation_evidence(ctx.view)
    if found is None:
        return None
    revocation, latest = found["revocation"], found["latest_consent"]
    return {
        "revoked_at": iso(revocation.at),
        "revocation_source": revocation.source,
        "pattern": revocation.detail,
        "latest_consent_at": iso(latest.at) if latest else None,
    }


def internal_dnc(ctx: RuleContext) -> Evidence | None:
    entry = ctx.view.internal_dnc
    return None if entry is None else {"listed_at": iso(entry.at)}


def no_consent(ctx: RuleContext) -> Evidence | None:
    campaign = ctx.campaign
    if not campaign.needs_consent:
        return None  # a human-voice call needs no consent record
    written = campaign.purpose == "telemarketing"
    found = ctx.view.consent_for(campaign.purpose, written_required=written)
    if found is not None:
        return None
    return {
        "needs": f"{'written ' if written else ''}consent with scope {campaign.purpose}",
        "because": "ai_voice" if campaign.ai_voice else "sms",
        "consents_after_revocation": len(ctx.view.valid_consents),
    }


def _windows(ctx: RuleContext) -> list[Window]:
    window = ctx.campaign.calling_window
    out = [Window(window.start, window.end, "campaign")]
    for pack in ctx.packs:
        out.extend(pack.windows)
    return out


def _inside(minute: int, window: Window) -> bool:
    start, end = minutes_of(window.start), minutes_of(window.end)
    if start < end:
        return start <= minute < end
    return minute >= start or minute < end  # wraps past midnight


def calling_window(ctx: RuleContext) -> Evidence | None:
    zones = ctx.facts.zones
    if not zones:
        return {"reason": "no time zone for this number"}
    for zone_name in zones:
        try:
            zone = ZoneInfo(zone_name)
        except (ZoneInfoNotFoundError, ValueError):
            return {"reason": "unknown time zone", "zone_source": ctx.facts.zone_source}
        local = ctx.attempt.at.astimezone(zone)
        minute = local.hour * 60 + local.minute
        for window in _windows(ctx):
            if not _inside(minute, window):
                return {
                    "zone": zone_name,
                    "zone_source": ctx.facts.zone_source,
                    "local_time": local.strftime("%Y-%m-%dT%H:%M%z"),
                    "window": f"{window.start}-{window.end}",
                    "window_source": window.source,
                }
    return None


def frequency_cap(ctx: RuleContext) -> Evidence | None:
    cap, source = ctx.campaign.max_attempts_per_24h, "campaign"
    for pack in ctx.packs:
        if pack.max_attempts_per_24h is not None and pack.max_attempts_per_24h < cap:
            cap, source = pack.max_attempts_per_24h, pack.name
    since = ctx.attempt.at - CAP_WINDOW
    recent = [a for a in ctx.view.attempts if since < a.when <= ctx.attempt.at]
    if len(recent) < cap:
        return None
    return {"attempts_24h": len(recent), "cap": cap, "cap_source": source}


BASE_RULES: tuple[Rule, ...] = (
    Rule("invalid_number", 1, "E.164 validity (phonenumbers); unreadable means blocked", invalid_number),
    Rule("unreadable_data", 1, "relaydesk: data that cannot be read blocks", unreadable_data),
    Rule("consent_revoked", 2, "47 CFR 64.1200(a)(10)-(12); FCC 24-18: revocation by any reasonable means",
         consent_revoked),
    Rule("internal_dnc", 3, "47 CFR 64.1200(d): the caller's own do-not-call list", internal_dnc),
    Rule("no_consent", 4, "47 CFR 64.1200(a)(2)-(3); FCC 24-17: AI voices are artificial voices", no_consent),
    Rule("calling_window", 7, "campaign calling window and the windows of its packs", calling_window),
    Rule("frequency_cap", 8, "campaign max_attempts_per_24h; Fla. Stat. 501.616(6)(b) for Florida", frequency_cap),
)


def applicable_packs(campaign: Campaign, facts: NumberFacts) -> tuple[RulePack, ...]:
    names = list(dict.fromkeys([*campaign.jurisdictions, *PACKS]))  # listed first, then territorial ones
    return tuple(PACKS[n] for n in names if n in PACKS and PACKS[n].applies(campaign, facts))


def rules_for(packs: tuple[RulePack, ...]) -> list[Rule]:
    rules = list(BASE_RULES)
    for pack in packs:
        rules.extend(pack.rules)
    return sorted(rules, key=lambda r: r.order)  # stable: base rules of equal order keep their place


def check(attempt: Attempt, campaign: Campaign, ledger: LedgerReader) -> Decision:
    """Allowed, or blocked by the first rule (in the issue's order) that blocks, with its evidence."""
    view = ledger.view(campaign.tenant, phone_hash(campaign.tenant, attempt.phone), attempt.at)
    facts = facts_for(attempt.phone, view)
    packs = applicable_packs(campaign, facts) if facts.valid else ()
    ctx = RuleContext(attempt=attempt, campaign=campaign, view=view, facts=facts, packs=packs)
    for rule in rules_for(packs):
        evidence = rule.fn(ctx)
        if evidence is not None:
            return Decision(False, rule.rule_id, {k: v for k, v in evidence.items() if v is not None}, rule.source)
        if not facts.valid:  # pragma: no cover - invalid_number always blocks first
            break
    return Decision(
        True,
        None,
        {"packs": [p.name for p in packs], "zones": list(facts.zones), "zone_source": facts.zone_source},
    )


def blocked(rule: str, reason: str) -> Decision:
    """A decision for an attempt whose own data could not be read (no campaign, a bad time)."""
    return Decision(False, rule, {"reason": reason}, "relaydesk: unreadable means blocked")
