"""Outbound campaigns on the wire: campaign commands, dial decisions and dial outcomes."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import Field

from relaydesk.events.consent import PHONE_HASH_PATTERN, AttemptOutcome
from relaydesk.events.envelope import Envelope

CampaignAction = Literal["define", "start", "pause"]
AttemptKind = Literal["dial", "retry", "callback", "message"]


class CampaignCommand(Envelope):
    """`campaign.command` v1: a campaign defined (its validated file), started or paused."""

    EVENT_TYPE: ClassVar[str] = "campaign.command"
    EVENT_VERSION: ClassVar[int] = 1
    SCHEMA: ClassVar[str] = "outbound/campaign_command.v1.json"

    event_type: Literal["campaign.command"] = "campaign.command"
    event_version: Literal[1] = 1
    campaign_id: str = Field(min_length=1, max_length=64)
    action: CampaignAction
    definition: dict[str, Any] | None = None  # the campaign document, for `define`

    def key(self) -> bytes:
        return f"{self.tenant_id}:{self.campaign_id}".encode()


class _DialDecision(Envelope):
    campaign_id: str = Field(min_length=1, max_length=64)
    attempt_id: str = Field(min_length=1, max_length=64)
    attempt_kind: AttemptKind = "dial"
    phone_hash: str = Field(pattern=PHONE_HASH_PATTERN)
    at: datetime
    evidence: dict[str, Any] = Field(default_factory=dict)

    def key(self) -> bytes:
        return f"{self.tenant_id}:{self.phone_hash}".encode()


class DialAllowed(_DialDecision):
    """`dial.allowed` v1: the pre-dial policy allowed this attempt; a connector may place it now."""

    EVENT_TYPE: ClassVar[str] = "dial.allowed"
    EVENT_VERSION: ClassVar[int] = 1
    SCHEMA: ClassVar[str] = "outbound/dial_allowed.v1.json"

    event_type: Literal["dial.allowed"] = "dial.allowed"
    event_version: Literal[1] = 1
    phone: str = Field(min_length=2, max_length=32)  # the connector dials it
    channel: Literal["voice", "sms"] = "voice"
    ai_voice: bool = False
    pacing: str = "progressive"
    # For connectors that want them (the simulated carrier: answer probability, agents); others ignore them.
    connector_hints: dict[str, Any] = Field(default_factory=dict)


class DialBlocked(_DialDecision):
    """`dial.blocked` v1: the first rule that blocked the attempt, with the evidence it used."""

    EVENT_TYPE: ClassVar[str] = "dial.blocked"
    EVENT_VERSION: ClassVar[int] = 1
    SCHEMA: ClassVar[str] = "outbound/dial_blocked.v1.json"

    event_type: Literal["dial.blocked"] = "dial.blocked"
    event_version: Literal[1] = 1
    rule: str = Field(min_length=1, max_length=64)
    rule_source: str | None = Field(default=None, max_length=300)


class DialOutcome(Envelope):
    """`dial.outcome` v1: what the connector saw. `conversation_id` is set when a person or the bot talks."""

    EVENT_TYPE: ClassVar[str] = "dial.outcome"
    EVENT_VERSION: ClassVar[int] = 1
    SCHEMA: ClassVar[str] = "outbound/dial_outcome.v1.json"

    event_type: Literal["dial.outcome"] = "dial.outcome"
    event_version: Literal[1] = 1
    campaign_id: str = Field(min_length=1, max_length=64)
    attempt_id: str = Field(min_length=1, max_length=64)
    phone_hash: str = Field(pattern=PHONE_HASH_PATTERN)
    outcome: AttemptOutcome
    at: datetime
    ring_s: float = Field(default=0.0, ge=0.0)
    talk_s: float = Field(default=0.0, ge=0.0)
    handled_by: Literal["agent", "bot", "none"] = "none"
    # Set on `answered`: so the campaigns processor can open the conversation and personalise it.
    phone: str | None = Field(default=None, max_length=32)

    def key(self) -> bytes:
        return f"{self.tenant_id}:{self.phone_hash}".encode()
