"""Rule packs: data plus small functions. The checker (`policy.check`) knows nothing about any jurisdiction.

A pack contributes rules (each with a stable id, its order in the issue's list, a source and a function that
returns the evidence when it blocks), calling windows and an attempt cap. A pack applies to an attempt when the
campaign lists it or when the recipient is in the pack's territory (a campaign cannot opt out of the law where
the called party is), and only to the recipients its `condition` selects (us_fl: Florida contacts).

To add a jurisdiction, write a pack here (or in a module that calls `register`) and list it in a campaign's
`jurisdictions`; see docs/outbound.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from relaydesk.campaigns.facts import NumberFacts

if TYPE_CHECKING:
    from relaydesk.campaigns.model import Campaign
    from relaydesk.campaigns.policy import Attempt
    from relaydesk.consent.ledger import NumberView

Evidence = dict[str, Any]


@dataclass(frozen=True)
class RuleContext:
    attempt: Attempt
    campaign: Campaign
    view: NumberView
    facts: NumberFacts
    packs: tuple[RulePack, ...]  # the packs that apply to this attempt


RuleFn = Callable[[RuleContext], "Evidence | None"]


@dataclass(frozen=True)
class Rule:
    rule_id: str
    order: int  # the position in the list; the checker applies rules in this order
    source: str
    fn: RuleFn


@dataclass(frozen=True)
class Window:
    start: str
    end: str
    source: str


def _always(_: NumberFacts) -> bool:
    return True


def _never(_: NumberFacts) -> bool:
    return False


@dataclass(frozen=True)
class RulePack:
    name: str
    source: str
    rules: tuple[Rule, ...] = ()
    windows: tuple[Window, ...] = ()
    max_attempts_per_24h: int | None = None
    territory: Callable[[NumberFacts], bool] = _never
    condition: Callable[[NumberFacts], bool] = _always
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def applies(self, campaign: Campaign, facts: NumberFacts) -> bool:
        return self.condition(facts) and (self.name in campaign.jurisdictions or self.territory(facts))


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


# --- us_federal: 47 CFR 64.1200 -------------------------------------------------------------------------------
REGISTRY_MAX_AGE = timedelta(days=31)


def registry_stale(ctx: RuleContext) -> Evidence | None:
    if ctx.campaign.purpose != "telemarketing" or not ctx.facts.is_us:
        return None
    snapshot = ctx.view.registry_snapshot
    if snapshot is not None and ctx.attempt.at - snapshot <= REGISTRY_MAX_AGE:
        return None
    age = None if snapshot is None else round((ctx.attempt.at - snapshot).total_seconds() / 86400, 2)
    return {"latest_snapshot": iso(snapshot), "age_days": age, "max_age_days": REGISTRY_MAX_AGE.days}


def dnc_registry(ctx: RuleContext) -> Evidence | None:
    if ctx.campaign.purpose != "telemarketing" or not ctx.facts.is_us or ctx.view.registry_listing is None:
        return None
    if ctx.view.consent_for("telemarketing", written_required=True) is not None:
        return None
    return {"listed_at": iso(ctx.view.registry_listing.at), "written_telemarketing_consent": False}


US_FEDERAL = RulePack(
    name="us_federal",
    source="47 CFR 64.1200 (TCPA rules); FCC 24-17; FCC 24-18",
    rules=(
        Rule("registry_stale", 5, "47 CFR 64.1200(c)(2)(i)(D): registry copy at most 31 days old", registry_stale),
        Rule("dnc_registry", 6, "47 CFR 64.1200(c)(2): national do-not-call registry", dnc_registry),
    ),
    windows=(Window("08:00", "21:00", "47 CFR 64.1200(c)(1)"),),
    territory=lambda facts: facts.is_us,
)

# --- us_fl: Florida Telephone Solicitation Act, Fla. Stat. 501.059 and 501.616 --------------------------------
US_FL = RulePack(
    name="us_fl",
    source="Fla. Stat. 501.059, 501.616(6)",
    windows=(Window("08:00", "20:00", "Fla. Stat. 501.616(6)(a)"),),
    max_attempts_per_24h=3,
    territory=lambda facts: facts.florida,
    condition=lambda facts: facts.florida,
)


# --- uk_ofcom: Ofcom's statement of policy on persistent misuse (2016) -----------------------------------------
RECALL_WINDOW = timedelta(hours=72)


def abandoned_recall(ctx: RuleContext) -> Evidence | None:
    since = ctx.attempt.at - RECALL_WINDOW
    for attempt in reversed(ctx.view.attempts):
        if attempt.outcome == "abandoned" and since < attempt.when <= ctx.attempt.at:
            return {"abandoned_at": iso(attempt.at), "campaign_id": attempt.campaign_id, "window_hours": 72}
    return None


UK_OFCOM = RulePack(
    name="uk_ofcom",
    source="Ofcom, Revised statement of policy on the persistent misuse of an electronic communications network "
    "or service (2016)",
    rules=(Rule("abandoned_recall", 9, "Ofcom persistent-misuse policy: no repeat call within 72 h of an "
                "abandoned call", abandoned_recall),),
    territory=lambda facts: facts.is_uk,
)

PACKS: dict[str, RulePack] = {p.name: p for p in (US_FEDERAL, US_FL, UK_OFCOM)}


def register(pack: RulePack) -> None:
    """Add a jurisdiction (at import time of the module that defines it)."""
    if pack.name in PACKS:
        raise ValueError(f"rule pack {pack.name!r} already registered")
    PACKS[pack.name] = pack
