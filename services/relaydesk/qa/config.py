"""Settings of the QA processor (env prefix `RELAYDESK_QA_`)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class QaSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RELAYDESK_QA_", frozen=True)

    # A conversation with no event for this long is closed and scored (a later event reopens it and it is
    # scored again). Short by default for the local stack; a deployment sets its own (e.g. 1800).
    idle_timeout_s: float = Field(default=20.0, gt=0)
    # A closed conversation is scored once none of its events came for this long (events on other topics than
    # the close may arrive after it).
    close_grace_s: float = Field(default=2.0, ge=0)
    # How often the idle sweep runs.
    sweep_interval_s: float = Field(default=2.0, gt=0)
    # Turns kept per transcript (the oldest go first).
    max_items: int = Field(default=200, ge=10)
