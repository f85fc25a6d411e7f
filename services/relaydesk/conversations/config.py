"""Settings of the conversations processor (env prefix `RELAYDESK_CONVERSATIONS_`)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from relaydesk.conversations.routing import OfficeHours


class ConversationsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RELAYDESK_CONVERSATIONS_", frozen=True)

    # Per tenant (JSON): {"acme": {"tz": "Europe/London", "days": [0, 1, 2, 3, 4], "open": "09:00",
    # "close": "17:00"}}. A tenant without an entry is staffed around the clock.
    office_hours: dict[str, OfficeHours] = Field(default_factory=dict)
    # Bounds on what one conversation record keeps (it lives in a table for every held conversation).
    trend_keep: int = Field(default=10, ge=2, le=20)
    seen_keep: int = Field(default=64, ge=8)
    actions_keep: int = Field(default=20, ge=4, le=20)
