from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class CarrierSettings(BaseSettings):
    """The simulated carrier. A campaign's `answer_probability` and `agents` (sent as connector hints) win."""

    model_config = SettingsConfigDict(env_prefix="RELAYDESK_CARRIER_", frozen=True)

    answer_probability: float = Field(default=0.6, ge=0.0, le=1.0)
    agents: int = Field(default=2, ge=0)
    mean_talk_s: float = Field(default=90.0, gt=0.0)
    # Simulated seconds per real second: ring and talk times run this much faster on the local stack.
    time_scale: float = Field(default=0.05, gt=0.0, le=1.0)
    seed: int = 7
    max_in_flight: int = Field(default=32, ge=1)
