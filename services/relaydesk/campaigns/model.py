"""A campaign file (YAML or JSON) as a validated model. Errors name field paths, never values."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from relaydesk.events.envelope import TENANT_ID_PATTERN

CAMPAIGN_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
_HHMM = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")

Purpose = Literal["telemarketing", "informational"]
CampaignChannel = Literal["voice", "sms"]
Pacing = Literal["preview", "progressive", "predictive", "agentless"]


class CampaignError(ValueError):
    """A campaign (or contact row) that does not validate; `problems` are "field/path: what" strings."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def minutes_of(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


class CallingWindow(_Strict):
    """Local time of the recipient, start inclusive, end exclusive. A window may wrap past midnight."""

    start: str
    end: str

    @field_validator("start", "end")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        if not _HHMM.match(value):
            raise ValueError("must be HH:MM (24-hour)")
        return value

    @model_validator(mode="after")
    def _not_empty(self) -> CallingWindow:
        if self.start == self.end:
            raise ValueError("start and end must differ")
        return self


class Campaign(_Strict):
    campaign_id: str = Field(pattern=CAMPAIGN_ID_PATTERN)
    tenant: str = Field(pattern=TENANT_ID_PATTERN)
    purpose: Purpose
    channel: CampaignChannel
    ai_voice: bool
    jurisdictions: list[str] = Field(min_length=1)
    calling_window: CallingWindow
    max_attempts_per_24h: int = Field(ge=1, le=100)
    # Optional, with defaults.
    pacing: Pacing = "progressive"
    company: str = Field(default="", max_length=200)
    persona: str = Field(default="", max_length=2000)
    script: str = Field(default="", max_length=4000)
    knowledge_tags: list[str] = Field(default_factory=list, max_length=50)
    opt_out_hint: str = Field(default='say "stop calling me" or STOP', max_length=200)
    agents: int = Field(default=2, ge=0, le=1000)
    answer_probability: float = Field(default=0.6, ge=0.0, le=1.0)  # the simulated carrier's, for local runs
    retry_after_s: float = Field(default=5.0, ge=0.0)
    max_retries: int = Field(default=1, ge=0, le=10)

    @field_validator("jurisdictions")
    @classmethod
    def _known_packs(cls, value: list[str]) -> list[str]:
        from relaydesk.campaigns.packs import PACKS

        unknown = [name for name in value if name not in PACKS]
        if unknown:
            raise ValueError(f"unknown rule pack(s); known: {sorted(PACKS)}")
        return value

    @property
    def needs_consent(self) -> bool:
        return self.ai_voice or self.channel == "sms"

    @property
    def company_name(self) -> str:
        return self.company or self.tenant


def problems_of(exc: ValidationError, prefix: str = "") -> list[str]:
    out = []
    for err in exc.errors():
        path = "/".join(str(p) for p in err.get("loc", ())) or "(root)"
        out.append(f"{prefix}{path}: {err.get('msg', err.get('type', 'invalid'))}")
    return out


def parse_campaign(doc: Any) -> Campaign:
    if not isinstance(doc, dict):
        raise CampaignError(["(root): a campaign must be a mapping"])
    try:
        return Campaign.model_validate(doc)
    except ValidationError as exc:
        raise CampaignError(problems_of(exc)) from None


def load_campaign_text(text: str, suffix: str) -> Campaign:
    try:
        doc = json.loads(text) if suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        kind = "JSON" if suffix == ".json" else "YAML"
        raise CampaignError([f"(root): not valid {kind} ({type(exc).__name__})"]) from None
    return parse_campaign(doc)


def load_campaign_file(path: Path) -> Campaign:
    return load_campaign_text(path.read_text(encoding="utf-8"), path.suffix.lower())


def load_campaign_dir(directory: Path) -> tuple[dict[str, Campaign], dict[str, list[str]]]:
    """Every `*.yaml`, `*.yml` and `*.json` file in `directory`: the campaigns by id, and the problems per file
    that did not load (an attempt of a campaign that did not load is blocked)."""
    campaigns: dict[str, Campaign] = {}
    errors: dict[str, list[str]] = {}
    for path in sorted(directory.iterdir()):
        if path.suffix.lower() not in (".yaml", ".yml", ".json") or not path.is_file():
            continue
        try:
            campaign = load_campaign_file(path)
        except CampaignError as exc:
            errors[path.name] = exc.problems
            continue
        campaigns[campaign.campaign_id] = campaign
    return campaigns, errors
