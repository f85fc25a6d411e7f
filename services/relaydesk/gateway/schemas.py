"""Request and response bodies of the gateway's HTTP API (they appear in its OpenAPI document)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from relaydesk.events.conversation import MAX_TEXT_CHARS, Channel, Speaker
from relaydesk.events.envelope import CONVERSATION_ID_PATTERN, TENANT_ID_PATTERN
from relaydesk.events.knowledge import DOC_ID_PATTERN
from relaydesk.events.tenant import TenantSettings

LANG_PATTERN = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MessageIn(Strict):
    conversation_id: str | None = Field(default=None, pattern=CONVERSATION_ID_PATTERN)
    turn_id: str | None = Field(default=None, min_length=1, max_length=64)
    channel: Channel = "webchat"
    speaker: Speaker = "customer"
    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS)
    lang: str | None = Field(default=None, pattern=LANG_PATTERN)
    customer_ref: str | None = Field(default=None, max_length=128)

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text must contain non-whitespace characters")
        return value


class MessageAccepted(BaseModel):
    event_id: str
    trace_id: str
    conversation_id: str
    turn_id: str


class DocumentIn(Strict):
    doc_id: str = Field(pattern=DOC_ID_PATTERN)
    op: Literal["upsert", "delete"] = "upsert"
    title: str = Field(default="", max_length=500)
    body: str = Field(default="", max_length=200_000)
    lang: str | None = Field(default=None, pattern=LANG_PATTERN)
    tags: list[str] = Field(default_factory=list, max_length=50)
    version: int | None = Field(default=None, ge=1)
    valid_from: datetime | None = None
    valid_to: datetime | None = None


class DocumentsIn(Strict):
    documents: list[DocumentIn] = Field(min_length=1)


class DocumentsAccepted(BaseModel):
    event_ids: list[str]
    versions: list[int]


class ConversationItems(BaseModel):
    items: list[dict[str, Any]]
    next: str = Field(description="the cursor to send as `after` next time")


class TenantIn(Strict):
    tenant_id: str = Field(pattern=TENANT_ID_PATTERN)


class TenantCreated(BaseModel):
    tenant_id: str
    created: bool
    api_key: str | None = None


class TenantConfigIn(TenantSettings):
    """A tenant's own configuration. Omitted fields keep the built-in defaults."""

    model_config = ConfigDict(extra="forbid", frozen=True)
