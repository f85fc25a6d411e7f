"""The customer-facing stream: partial replies after compliance's incremental check."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from relaydesk.events.envelope import ConversationId, Envelope


class ReplyStreamChunk(Envelope):
    """`reply.stream` v1: checked text (kind=token, PII already masked), the end of a stream, or a retraction.

    Compliance writes these from `reply.partial` and releases only text that no later token can turn into a
    finding; the gateway serves nothing else while a reply streams. `masked` names the PII types masked in
    this chunk (types only, never values)."""

    EVENT_TYPE: ClassVar[str] = "reply.stream"
    EVENT_VERSION: ClassVar[int] = 1
    SCHEMA: ClassVar[str] = "reply/reply_stream.v1.json"

    event_type: Literal["reply.stream"] = "reply.stream"
    event_version: Literal[1] = 1
    conversation_id: ConversationId
    turn_id: str
    reply_id: str
    seq: int = Field(ge=0)
    kind: Literal["token", "end", "retract"]
    delta: str = ""
    masked: list[str] = Field(default_factory=list)
    reason: str | None = None
