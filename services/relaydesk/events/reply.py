"""Replies: streamed partials, the draft from generation, the final reply after compliance, hand-offs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from relaydesk.events.annotations import (
    EmotionAnnotation,
    GuardAnnotation,
    IntentAnnotation,
    RetrievalAnnotation,
    StageTiming,
)
from relaydesk.events.envelope import ConversationId, Envelope, Model

ReplyMode = Literal["generated", "cached", "extractive", "handoff", "scripted"]
Verdict = Literal["pass", "redacted", "blocked"]
HandoffReason = Literal[
    "customer_request",
    "escalation",
    "blocked_reply",
    "generation_failed",
    "no_knowledge",
    "attack",
]

# The reason in the words routing and the desk use: `reason` keeps its v1 values, `category` groups them.
HandoffCategory = Literal[
    "customer_request",
    "escalation",
    "low_confidence",
    "compliance_block",
    "no_knowledge",
    "outbound_transfer",
]
# Who wrote a reply: the bot (default when absent) or a human agent.
ReplySpeaker = Literal["bot", "agent"]

_REPLY_NS = uuid.UUID("6f1c2a8e-5b7d-4e0a-9a51-3d0c7f6b2e41")


def reply_id_for(conversation_id: str, turn_id: str) -> str:
    """Deterministic: a redelivered turn yields the same reply id, so the gateway shows it once."""
    return uuid.uuid5(_REPLY_NS, f"{conversation_id}/{turn_id}").hex


class CacheInfo(Model):
    hit: bool
    similarity: float | None = Field(default=None, ge=-1.0, le=1.0)


class GenerationStats(Model):
    model: str | None = None
    prompt_tokens: int = Field(default=0, ge=0)
    completion_tokens: int = Field(default=0, ge=0)
    ttft_ms: float | None = Field(default=None, ge=0.0)
    latency_ms: float = Field(default=0.0, ge=0.0)


class ReplySource(Model):
    doc_id: str
    title: str
    score: float
    kb_version: int = Field(ge=0)
    version: int = Field(default=0, ge=0)
    chunk_id: str | None = None


class ReplyPartial(Envelope):
    """`reply.partial` v1: streamed tokens (kind=token), the end of a stream, or a retraction."""

    EVENT_TYPE: ClassVar[str] = "reply.partial"
    EVENT_VERSION: ClassVar[int] = 1
    SCHEMA: ClassVar[str] = "reply/reply_partial.v1.json"

    event_type: Literal["reply.partial"] = "reply.partial"
    event_version: Literal[1] = 1
    conversation_id: ConversationId
    turn_id: str
    reply_id: str
    seq: int = Field(ge=0)
    kind: Literal["token", "end", "retract"]
    delta: str = ""
    reason: str | None = None


class ReplyDraft(Envelope):
    """`reply.draft` v1: generation's answer, before compliance. Carries the annotations forward."""

    EVENT_TYPE: ClassVar[str] = "reply.draft"
    EVENT_VERSION: ClassVar[int] = 1
    SCHEMA: ClassVar[str] = "reply/reply_draft.v1.json"

    event_type: Literal["reply.draft"] = "reply.draft"
    event_version: Literal[1] = 1
    conversation_id: ConversationId
    turn_id: str
    reply_id: str
    text: str = Field(min_length=1)
    mode: ReplyMode
    fallback_reason: str | None = None
    sources_used: list[str] = Field(default_factory=list)
    # The customer's turn as generation saw it (already redacted). Compliance treats numbers the customer
    # gave (an order number, say) as grounded when the reply repeats them.
    turn_text: str | None = Field(default=None, max_length=8000)
    # A `scripted` reply (an outbound call's reviewed opening) may say the recipient's own name back to them:
    # the name the tenant's contact list gives. Compliance leaves that name, and only it, unmasked.
    addressee_name: str | None = Field(default=None, max_length=80)
    handoff: bool = False
    speaker: ReplySpeaker | None = None
    streamed: bool = False
    cache: CacheInfo = Field(default_factory=lambda: CacheInfo(hit=False))
    generation: GenerationStats = Field(default_factory=GenerationStats)
    received_at: datetime
    guard: GuardAnnotation | None = None
    intent: IntentAnnotation | None = None
    emotion: EmotionAnnotation | None = None
    retrieval: RetrievalAnnotation | None = None
    stages: list[StageTiming] = Field(default_factory=list)


class Finding(Model):
    """One compliance finding. Offsets point into the reply text; raw values are never recorded."""

    rule_id: str
    category: str
    entity_type: str | None = None
    start: int | None = Field(default=None, ge=0)
    end: int | None = Field(default=None, ge=0)
    detail: str | None = Field(default=None, max_length=256)


class ComplianceVerdict(Model):
    verdict: Verdict
    findings: list[Finding] = Field(default_factory=list)
    review: bool = False


class Reply(Envelope):
    """`reply` v1: the reply that reaches the customer, with its compliance verdict."""

    EVENT_TYPE: ClassVar[str] = "reply"
    EVENT_VERSION: ClassVar[int] = 1
    SCHEMA: ClassVar[str] = "reply/reply.v1.json"

    event_type: Literal["reply"] = "reply"
    event_version: Literal[1] = 1
    conversation_id: ConversationId
    turn_id: str
    reply_id: str
    text: str = Field(min_length=1)
    mode: ReplyMode
    handoff: bool
    speaker: ReplySpeaker | None = None
    compliance: ComplianceVerdict
    sources: list[ReplySource] = Field(default_factory=list)
    intent: IntentAnnotation | None = None
    emotion: EmotionAnnotation | None = None
    guard: GuardAnnotation | None = None
    cache: CacheInfo = Field(default_factory=lambda: CacheInfo(hit=False))
    generation: GenerationStats = Field(default_factory=GenerationStats)
    received_at: datetime
    stages: list[StageTiming] = Field(default_factory=list)


class Handoff(Envelope):
    """`handoff` v1: a conversation that a human agent should take over, with a short summary."""

    EVENT_TYPE: ClassVar[str] = "handoff"
    EVENT_VERSION: ClassVar[int] = 1
    SCHEMA: ClassVar[str] = "reply/handoff.v1.json"

    event_type: Literal["handoff"] = "handoff"
    event_version: Literal[1] = 1
    conversation_id: ConversationId
    turn_id: str
    reply_id: str | None = None
    reason: HandoffReason
    priority: Literal["low", "normal", "high", "urgent"] = "normal"
    summary: str = Field(max_length=2000)
    intent: str | None = None
    emotion: str | None = None
    # Context for routing, the agent's desk, the supervisor's view and QA (all optional within v1).
    category: HandoffCategory | None = None
    language: str | None = Field(default=None, max_length=16)
    sentiment_trend: list[float] = Field(default_factory=list, max_length=20)
    intents: list[str] = Field(default_factory=list, max_length=10)
    cited_docs: list[str] = Field(default_factory=list, max_length=10)
    compliance_flags: list[str] = Field(default_factory=list, max_length=20)
