"""The compliance trail: every decision audited (rule ids, entity types, offsets, never values)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from relaydesk.events.envelope import ConversationId, Envelope
from relaydesk.events.reply import Finding, Verdict


class ComplianceAudit(Envelope):
    """`compliance.audit` v1: one record per inbound or outbound decision."""

    EVENT_TYPE: ClassVar[str] = "compliance.audit"
    EVENT_VERSION: ClassVar[int] = 1
    SCHEMA: ClassVar[str] = "compliance/audit.v1.json"

    event_type: Literal["compliance.audit"] = "compliance.audit"
    event_version: Literal[1] = 1
    conversation_id: ConversationId
    turn_id: str
    reply_id: str | None = None
    direction: Literal["inbound", "outbound"]
    verdict: Verdict
    findings: list[Finding] = Field(default_factory=list)
    review: bool = False
    policy_version: str
    latency_ms: float = Field(ge=0.0)


class ComplianceReview(Envelope):
    """`compliance.review` v1: a reply a human should look at (all blocked ones, plus a sampled share)."""

    EVENT_TYPE: ClassVar[str] = "compliance.review"
    EVENT_VERSION: ClassVar[int] = 1
    SCHEMA: ClassVar[str] = "compliance/review.v1.json"

    event_type: Literal["compliance.review"] = "compliance.review"
    event_version: Literal[1] = 1
    conversation_id: ConversationId
    turn_id: str
    reply_id: str
    reason: Literal["blocked", "sampled"]
    verdict: Verdict
    redacted_text: str
    findings: list[Finding] = Field(default_factory=list)
