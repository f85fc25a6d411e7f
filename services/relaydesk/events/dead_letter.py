"""The dead-letter record: the original bytes and headers, and why they could not be processed."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from relaydesk.events.envelope import Envelope, Model, TenantId


class DeadLetterHeader(Model):
    key: str
    value_b64: str | None = None


class DeadLetter(Envelope):
    """`dead_letter` v1, on `<topic>.dlq`. The reason names the error type and the failing field paths,
    never the offending values (they may hold PII)."""

    EVENT_TYPE: ClassVar[str] = "dead_letter"
    EVENT_VERSION: ClassVar[int] = 1
    SCHEMA: ClassVar[str] = "common/dead_letter.v1.json"

    event_type: Literal["dead_letter"] = "dead_letter"
    event_version: Literal[1] = 1
    tenant_id: TenantId | None = None  # type: ignore[assignment]
    service: str
    source_topic: str
    source_partition: int = Field(ge=0)
    source_offset: int = Field(ge=0)
    key_b64: str | None = None
    value_b64: str
    headers: list[DeadLetterHeader] = Field(default_factory=list)
    error_type: str
    reason: str = Field(max_length=2000)
    attempts: int = Field(default=1, ge=1)
