from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class CampaignsSettings(BaseSettings):
    """The dialer. One replica paces each campaign (pacing is a campaign-wide decision)."""

    model_config = SettingsConfigDict(env_prefix="RELAYDESK_CAMPAIGNS_", frozen=True)

    # How often the pacer looks for lines to dial.
    tick_s: float = Field(default=0.5, gt=0.0)
    # A number blocked by a window, a cap or a stale registry is checked again after this long.
    recheck_after_s: float = Field(default=60.0, ge=1.0)
