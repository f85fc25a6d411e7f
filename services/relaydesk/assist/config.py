"""Settings of agent assist (env prefix `RELAYDESK_ASSIST_`). The model service is generation's
(`RELAYDESK_GENERATION_SERVE_URL`)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class AssistSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RELAYDESK_ASSIST_", frozen=True)

    cards: int = Field(default=3, ge=0, le=10)
    card_chars: int = Field(default=400, ge=80, le=2000)
    draft_chars: int = Field(default=600, ge=80, le=2000)
    # The model's draft: off, or on with its own deadline (the quick suggestions are out before it starts).
    generate: bool = True
    draft_timeout_s: float = Field(default=20.0, gt=0)
    max_new_tokens: int = Field(default=80, ge=1, le=512)
    min_support: float = Field(default=0.75, ge=0.0, le=1.0)
    max_in_flight: int = Field(default=4, ge=1)
