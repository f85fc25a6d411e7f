"""A customer (or agent) turn as it enters, and as it moves down the reply path."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from relaydesk.events.annotations import (
    EmotionAnnotation,
    GuardAnnotation,
    IntentAnnotation,
    RetrievalAnnotation,
    StageTiming,
    TurnEmbedding,
)
from relaydesk.events.envelope import ConversationId, Envelope, Model

Channel = Literal["webchat", "sms", "whatsapp", "email", "voice", "outbound"]
Speaker = Literal["customer", "agent", "bot"]
MAX_TEXT_CHARS = 8000


class TurnBody(Model):
    turn_id: str = Field(min_length=1, max_length=64)
    channel: Channel
    speaker: Speaker
    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS)
    lang: str | None = Field(default=None, pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
    customer_ref: str | None = Field(default=None, max_length=128)


class ConversationTurn(Envelope, TurnBody):
    """`conversation.turn` v1: produced by the gateway onto the restricted raw topic."""

    EVENT_TYPE: ClassVar[str] = "conversation.turn"
    EVENT_VERSION: ClassVar[int] = 1
    SCHEMA: ClassVar[str] = "conversation/turn.v1.json"

    event_type: Literal["conversation.turn"] = "conversation.turn"
    event_version: Literal[1] = 1
    conversation_id: ConversationId

    def body(self) -> TurnBody:
        return TurnBody.model_validate(self.model_dump(include=set(TurnBody.model_fields)))


class TurnAnnotated(Envelope):
    """`conversation.turn.annotated` v1: the turn (text already redacted) plus each stage's annotation."""

    EVENT_TYPE: ClassVar[str] = "conversation.turn.annotated"
    EVENT_VERSION: ClassVar[int] = 1
    SCHEMA: ClassVar[str] = "conversation/turn_annotated.v1.json"

    event_type: Literal["conversation.turn.annotated"] = "conversation.turn.annotated"
    event_version: Literal[1] = 1
    conversation_id: ConversationId
    turn: TurnBody
    received_at: datetime
    guard: GuardAnnotation | None = None
    intent: IntentAnnotation | None = None
    emotion: EmotionAnnotation | None = None
    retrieval: RetrievalAnnotation | None = None
    embedding: TurnEmbedding | None = None
    stages: list[StageTiming] = Field(default_factory=list)
