"""Wires the intent stage: embedder, encoder, built-in catalogue, background set, default model."""

from __future__ import annotations

import logging
import time

from relaydesk.embedding import Embedder
from relaydesk.intent.adapters.embedder import build_encoder, build_stage_embedder
from relaydesk.intent.catalogue import load_background, load_catalogue
from relaydesk.intent.config import IntentSettings
from relaydesk.intent.core import IntentDeps, fit_intents
from relaydesk.intent.registry import IntentRegistry

log = logging.getLogger(__name__)


def build_deps(settings: IntentSettings | None = None, embedder: Embedder | None = None) -> IntentDeps:
    """Production wiring. Pass `embedder` to share one embedder (and its cache) across stages in a process."""
    settings = settings or IntentSettings()
    started = time.perf_counter()
    if embedder is None:
        embedder = build_stage_embedder(
            settings.embedder_backend,
            settings.embedder_model,
            settings.embedder_threads,
            settings.embedding_cache_size,
        )
    encoder = build_encoder(embedder, settings.glossary, settings.glossary_path, settings.max_chars)
    catalogue = load_catalogue(settings.catalogue_path)
    background = encoder.encode(load_background())
    default = fit_intents(
        catalogue,
        encoder,
        background,
        settings.mix,
        settings.threshold,
        settings.in_scope_prior,
        settings.use_descriptions,
    )
    deps = IntentDeps(
        encoder=encoder,
        registry=IntentRegistry(default=default),
        catalogue=catalogue,
        background=background,
        threshold=settings.threshold,
        mix=settings.mix,
        in_scope_prior=settings.in_scope_prior,
        use_descriptions=settings.use_descriptions,
    )
    log.info(
        "intent stage ready",
        extra={"intents": len(catalogue), "seconds": round(time.perf_counter() - started, 2)},
    )
    return deps
