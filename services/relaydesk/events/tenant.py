"""Tenant configuration, published on a compacted topic keyed by tenant id and hot-reloaded by processors."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from relaydesk.events.envelope import Envelope, Model

HandoffTrigger = Literal["escalation", "customer_request", "attack"]
DEFAULT_HANDOFF_ON: tuple[HandoffTrigger, ...] = ("escalation", "customer_request")


class TenantIntent(Model):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    description: str = ""
    examples: list[str] = Field(default_factory=list)


class TenantSettings(Model):
    """What a tenant configures (also the body of the gateway's `PUT /v1/tenant/config`)."""

    display_name: str = ""
    persona: str = ""
    rules: list[str] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=lambda: ["en"])
    intents: list[TenantIntent] = Field(default_factory=list)
    use_builtin_intents: bool = True
    intent_threshold: float | None = Field(default=None, ge=0.0, le=1.0)
    forbidden_claims: list[str] = Field(default_factory=list)
    review_share: float = Field(default=0.0, ge=0.0, le=1.0)
    retain_raw: bool = True
    raw_retention_ms: int = Field(default=3_600_000, ge=0)
    handoff_on: list[HandoffTrigger] = Field(default_factory=lambda: list(DEFAULT_HANDOFF_ON))
    # Partial replies reach the customer only through compliance's checked stream; False: final replies only.
    streaming: bool = True
    # The tenant's QA rubric as YAML (see relaydesk/qa/default_rubric.yaml); None: the built-in rubric.
    qa_rubric: str | None = Field(default=None, max_length=65536)


class TenantConfig(Envelope, TenantSettings):
    """`tenant.config` v1. A missing block means "use the built-in default" for that block."""

    EVENT_TYPE: ClassVar[str] = "tenant.config"
    EVENT_VERSION: ClassVar[int] = 1
    SCHEMA: ClassVar[str] = "tenant/tenant_config.v1.json"

    event_type: Literal["tenant.config"] = "tenant.config"
    event_version: Literal[1] = 1
    revision: int = Field(ge=1)
