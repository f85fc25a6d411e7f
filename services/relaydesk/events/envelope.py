"""The envelope every event carries. Trace context travels in Kafka headers, not here."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from relaydesk.events.ids import derived_id

TENANT_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,62}$"
CONVERSATION_ID_PATTERN = r"^[A-Za-z0-9._:-]{1,128}$"

TenantId = Annotated[str, Field(pattern=TENANT_ID_PATTERN)]
ConversationId = Annotated[str, Field(pattern=CONVERSATION_ID_PATTERN)]


def new_event_id() -> str:
    return uuid.uuid4().hex


def utcnow() -> datetime:
    return datetime.now(UTC)


class Model(BaseModel):
    """Base for nested objects: tolerant readers (unknown fields are ignored), immutable values."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class Envelope(Model):
    """Fields shared by every event. Subclasses pin `event_type` and `event_version` with Literals."""

    # Set by each concrete event class; used by the serde registry and the schema drift test.
    EVENT_TYPE: ClassVar[str] = ""
    EVENT_VERSION: ClassVar[int] = 0
    SCHEMA: ClassVar[str] = ""

    event_id: str = Field(default_factory=new_event_id, min_length=8, max_length=64)
    tenant_id: TenantId
    conversation_id: ConversationId | None = None
    occurred_at: datetime = Field(default_factory=utcnow)
    causation_id: str | None = Field(default=None, max_length=64)

    def caused(self, stage: str, *parts: object, **changes: object) -> dict[str, object]:
        """Envelope fields for an event that `stage` made from this one: same tenant and conversation, and an id
        derived from this event's id, the stage and `parts` (which tell apart several outputs of one stage), so a
        redelivered input yields outputs with the same ids and consumers can dedupe them."""
        base: dict[str, object] = {
            "event_id": derived_id(self.event_id, stage, *parts),
            "tenant_id": self.tenant_id,
            "conversation_id": self.conversation_id,
            "causation_id": self.event_id,
        }
        base.update(changes)
        return base
