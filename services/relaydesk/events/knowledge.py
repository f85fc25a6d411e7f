"""Knowledge updates (from the gateway, `kb push`, or any producer such as CMS CDC) and their application."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field, model_validator

from relaydesk.events.envelope import Envelope

DOC_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,199}$"


class KnowledgeUpdate(Envelope):
    """`knowledge.update` v1. Keyed by `tenant_id:doc_id` so one document's versions stay in order."""

    EVENT_TYPE: ClassVar[str] = "knowledge.update"
    EVENT_VERSION: ClassVar[int] = 1
    SCHEMA: ClassVar[str] = "knowledge/knowledge_update.v1.json"

    event_type: Literal["knowledge.update"] = "knowledge.update"
    event_version: Literal[1] = 1
    op: Literal["upsert", "delete"]
    doc_id: str = Field(pattern=DOC_ID_PATTERN)
    version: int = Field(ge=1)
    title: str = Field(default="", max_length=500)
    body: str = Field(default="", max_length=200_000)
    lang: str | None = Field(default=None, pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
    tags: list[str] = Field(default_factory=list)
    valid_from: datetime | None = None
    valid_to: datetime | None = None

    @model_validator(mode="after")
    def _upsert_has_body(self) -> KnowledgeUpdate:
        if self.op == "upsert" and not self.body.strip():
            raise ValueError("an upsert needs a non-empty body")
        return self

    def key(self) -> bytes:
        return f"{self.tenant_id}:{self.doc_id}".encode()


class KnowledgeApplied(Envelope):
    """`knowledge.applied` v1: an update's outcome, and how long it took to become searchable."""

    EVENT_TYPE: ClassVar[str] = "knowledge.applied"
    EVENT_VERSION: ClassVar[int] = 1
    SCHEMA: ClassVar[str] = "knowledge/knowledge_applied.v1.json"

    event_type: Literal["knowledge.applied"] = "knowledge.applied"
    event_version: Literal[1] = 1
    update_event_id: str
    doc_id: str
    version: int = Field(ge=1)
    op: Literal["upsert", "delete"]
    status: Literal["applied", "stale", "duplicate"]
    chunks: int = Field(default=0, ge=0)
    kb_version: int = Field(ge=0)
    produced_at: datetime
    applied_at: datetime
    freshness_ms: float = Field(ge=0.0)
