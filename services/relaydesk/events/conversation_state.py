"""Who holds a conversation: the bot, the queue, an agent, or nobody (closed). Published by the `conversations`
processor on a compacted topic keyed by conversation id, so the latest state of every conversation is one
record; generation (bot silence), the gateway (queue, desk, supervisor view) and QA (closed) read it."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from relaydesk.events.envelope import ConversationId, Envelope

ConversationStateName = Literal["bot", "queued", "with_agent", "closed"]
Priority = Literal["low", "normal", "high", "urgent"]
PRIORITY_RANK: dict[str, int] = {"urgent": 3, "high": 2, "normal": 1, "low": 0}


class ConversationState(Envelope):
    """`conversation.state` v1: the conversation's state after the event named by `causation_id`."""

    EVENT_TYPE: ClassVar[str] = "conversation.state"
    EVENT_VERSION: ClassVar[int] = 1
    SCHEMA: ClassVar[str] = "conversation/conversation_state.v1.json"

    event_type: Literal["conversation.state"] = "conversation.state"
    event_version: Literal[1] = 1
    conversation_id: ConversationId
    state: ConversationStateName
    agent_id: str | None = Field(default=None, max_length=128)
    # Why it left the bot: customer_request, escalation, low_confidence, compliance_block, no_knowledge,
    # outbound_transfer (or another hand-off reason).
    reason: str | None = Field(default=None, max_length=64)
    priority: Priority | None = None
    # Grows by one per change of this conversation; readers keep the highest they have seen.
    revision: int = Field(default=0, ge=0)
    # The routing queue (reason, language, priority) and when the customer started waiting.
    queue: str | None = Field(default=None, max_length=128)
    waiting_since: datetime | None = None
    # Outside the tenant's office hours: when someone is expected to answer.
    answer_by: datetime | None = None
    language: str | None = Field(default=None, max_length=16)
    summary: str | None = Field(default=None, max_length=2000)
    emotion: str | None = Field(default=None, max_length=32)
    # Sentiment of the latest customer turns, oldest first (bounded).
    sentiment_trend: list[float] = Field(default_factory=list, max_length=20)
    escalated: bool = False
    last_turn_id: str | None = Field(default=None, max_length=64)


class ConversationSummary(Envelope):
    """`conversation.summary` v1: what a conversation was about, what was done, and what is still open."""

    EVENT_TYPE: ClassVar[str] = "conversation.summary"
    EVENT_VERSION: ClassVar[int] = 1
    SCHEMA: ClassVar[str] = "conversation/conversation_summary.v1.json"

    event_type: Literal["conversation.summary"] = "conversation.summary"
    event_version: Literal[1] = 1
    conversation_id: ConversationId
    # running: made when an agent claims; final: made when the conversation closes.
    kind: Literal["running", "final"]
    reason_for_contact: str = Field(max_length=500)
    actions: list[str] = Field(default_factory=list, max_length=20)
    open_items: list[str] = Field(default_factory=list, max_length=20)
    intents: list[str] = Field(default_factory=list, max_length=20)
    handoff_reason: str | None = Field(default=None, max_length=64)
    agent_id: str | None = Field(default=None, max_length=128)
    customer_turns: int = Field(default=0, ge=0)
    agent_messages: int = Field(default=0, ge=0)
