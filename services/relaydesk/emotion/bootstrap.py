"""Wires the emotion stage: the trained model, cue lists, VADER, the encoder (for turns that arrive without
an embedding) and the trend store."""

from __future__ import annotations

import logging

from relaydesk.embedding import Embedder
from relaydesk.emotion.adapters.vader import VaderPolarity
from relaydesk.emotion.classifier import EmotionModel, load_model
from relaydesk.emotion.config import EmotionSettings
from relaydesk.emotion.core import EmotionDeps
from relaydesk.emotion.escalation import EscalationPolicy, InMemoryTrendStore, TrendStore
from relaydesk.emotion.features import LexicalFeatures
from relaydesk.emotion.lexicon import EmotionLexicon, builtin_lexicon
from relaydesk.intent.adapters.embedder import build_encoder, build_stage_embedder

log = logging.getLogger(__name__)


def build_deps(
    settings: EmotionSettings | None = None,
    embedder: Embedder | None = None,
    trend_store: TrendStore | None = None,
    model: EmotionModel | None = None,
) -> EmotionDeps:
    """Production wiring; `model` overrides the settings' model file (a benchmark's model fitted in its run)."""
    settings = settings or EmotionSettings()
    model = model if model is not None else load_model(settings.model_path)
    if embedder is None:
        embedder = build_stage_embedder(
            settings.embedder_backend,
            settings.embedder_model,
            settings.embedder_threads,
            settings.embedding_cache_size,
        )
    encoder = build_encoder(embedder, settings.glossary, None, settings.max_chars)
    # A model fitted by emotion/train.py names the encoder's vectors (`<embedder>/turn-v1`); older ones the embedder.
    if model.embedder_model not in (embedder.model_id, encoder.model_id):
        raise ValueError("the emotion model was trained on another embedder's vectors: retrain it")
    lexicon = EmotionLexicon.from_file(settings.cues_path) if settings.cues_path else builtin_lexicon()
    policy = EscalationPolicy(
        window=settings.escalation_window,
        rise=settings.escalation_rise,
        floor=settings.escalation_floor,
        sustained=settings.escalation_sustained,
        keep=settings.trend_keep,
    )
    log.info("emotion stage ready", extra={"model": model.name})
    return EmotionDeps(
        encoder=encoder,
        model=model,
        features=LexicalFeatures(lexicon, VaderPolarity()),
        trend_store=trend_store if trend_store is not None else InMemoryTrendStore(),
        policy=policy,
        lexical_sentiment_weight=settings.lexical_sentiment_weight,
    )
