"""The replay mark: a dead letter whose original record was produced again by `relaydesk dlq replay`."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from relaydesk.events.envelope import Envelope, TenantId


class DlqReplayed(Envelope):
    """`dlq.replayed` v1, on relaydesk.dlq.replayed (compacted, keyed by the dead letter's id): a dead letter
    whose original record `relaydesk dlq replay` produced again, so that a later replay skips it."""

    EVENT_TYPE: ClassVar[str] = "dlq.replayed"
    EVENT_VERSION: ClassVar[int] = 1
    SCHEMA: ClassVar[str] = "ops/dlq_replayed.v1.json"

    event_type: Literal["dlq.replayed"] = "dlq.replayed"
    event_version: Literal[1] = 1
    tenant_id: TenantId | None = None  # type: ignore[assignment]
    dead_letter_id: str = Field(min_length=8, max_length=64)
    dlq_topic: str
    dlq_partition: int = Field(ge=0)
    dlq_offset: int = Field(ge=0)
    target_topic: str
    target_partition: int = Field(ge=0)
    target_offset: int = Field(ge=0)
    error_type: str

    def key(self) -> bytes:
        return self.dead_letter_id.encode()
