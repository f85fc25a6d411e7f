"""The intent stage's pure core: classify a batch of turns, publish each turn's embedding, and hot-reload a
tenant's intents from its config. No Kafka or Faust here; the embedder comes in through `IntentDeps`."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from relaydesk.events import (
    Envelope,
    IntentAnnotation,
    IntentCandidate,
    StageTiming,
    TenantConfig,
    TurnAnnotated,
    TurnEmbedding,
    utcnow,
)
from relaydesk.intent.classifier import (
    OUT_OF_SCOPE,
    IntentDefinition,
    IntentPrediction,
    PrototypeIntentModel,
)
from relaydesk.intent.registry import IntentRegistry
from relaydesk.nlu.encoder import TurnEncoder

log = logging.getLogger(__name__)

STAGE = "intent"


@dataclass
class IntentDeps:
    encoder: TurnEncoder
    registry: IntentRegistry
    catalogue: tuple[IntentDefinition, ...]
    background: np.ndarray  # off-topic turn vectors, the calibrator's negatives
    threshold: float = 0.3
    mix: float = 0.5
    in_scope_prior: float = 0.8
    use_descriptions: bool = False
    clock: Callable[[], float] = time.perf_counter

    @property
    def model_name(self) -> str:
        return f"prototype/{self.encoder.model_id}"


def training_pairs(
    definitions: Sequence[IntentDefinition], use_descriptions: bool = False
) -> tuple[list[str], list[str]]:
    """(texts, labels) an intent model is built from. An intent without examples falls back to its
    description, then to its name, so a half-written config still yields a usable intent."""
    texts: list[str] = []
    labels: list[str] = []
    for definition in definitions:
        own = list(definition.examples)
        if definition.description and (use_descriptions or not own):
            own.append(definition.description)
        if not own:
            own.append(definition.name.replace("_", " "))
        texts.extend(own)
        labels.extend([definition.name] * len(own))
    return texts, labels


def fit_intents(
    definitions: Sequence[IntentDefinition],
    encoder: TurnEncoder,
    background: np.ndarray,
    mix: float,
    threshold: float,
    in_scope_prior: float = 0.8,
    use_descriptions: bool = False,
) -> PrototypeIntentModel:
    texts, labels = training_pairs(definitions, use_descriptions)
    return PrototypeIntentModel.fit(
        encoder.encode(texts), labels, background, mix=mix, threshold=threshold, in_scope_prior=in_scope_prior
    )


def build_model(
    definitions: Sequence[IntentDefinition], deps: IntentDeps, threshold: float | None = None
) -> PrototypeIntentModel:
    chosen = deps.threshold if threshold is None else threshold
    return fit_intents(
        definitions, deps.encoder, deps.background, deps.mix, chosen, deps.in_scope_prior, deps.use_descriptions
    )


def merge_definitions(
    catalogue: Sequence[IntentDefinition], own: Sequence[IntentDefinition], use_builtin: bool
) -> tuple[IntentDefinition, ...]:
    """The tenant's intents, plus the built-in ones it does not redefine when `use_builtin`."""
    names = {d.name for d in own}
    base = [d for d in catalogue if d.name not in names] if use_builtin else []
    return (*base, *own)


def apply_tenant_config(config: TenantConfig, deps: IntentDeps) -> None:
    """Rebuild the tenant's intent model from its config. Older or repeated revisions are ignored, so a
    redelivered config is a no-op and a tenant never goes back to an older set of intents."""
    if config.revision <= deps.registry.revision(config.tenant_id):
        return
    threshold = deps.threshold if config.intent_threshold is None else config.intent_threshold
    own = tuple(IntentDefinition(i.name, i.description, tuple(i.examples)) for i in config.intents)
    model: PrototypeIntentModel | None
    if not own:
        model = deps.registry.default.with_threshold(threshold) if config.use_builtin_intents else None
    else:
        model = build_model(merge_definitions(deps.catalogue, own, config.use_builtin_intents), deps, threshold)
    deps.registry.set(config.tenant_id, config.revision, model)
    log.info(
        "intent model reloaded",
        extra={
            "tenant_id": config.tenant_id,
            "revision": config.revision,
            "intents": 0 if model is None else len(model.labels),
        },
    )


def _annotation(prediction: IntentPrediction, model_name: str) -> IntentAnnotation:
    return IntentAnnotation(
        label=prediction.label,
        confidence=min(max(prediction.confidence, 0.0), 1.0),
        out_of_scope=prediction.out_of_scope,
        candidates=[IntentCandidate(label=label, score=score) for label, score in prediction.candidates],
        model=model_name,
    )


_NO_INTENTS = IntentPrediction(OUT_OF_SCOPE, 1.0, True, ())


def handle_batch(events: Sequence[TurnAnnotated], deps: IntentDeps) -> list[list[Envelope]]:
    if not events:
        return []
    started = deps.clock()
    vectors = deps.encoder.turn_vectors(events)[0]
    predictions: list[IntentPrediction] = [_NO_INTENTS] * len(events)
    by_tenant: dict[str, list[int]] = {}
    for i, event in enumerate(events):
        by_tenant.setdefault(event.tenant_id, []).append(i)
    for tenant_id, rows in by_tenant.items():
        model = deps.registry.model_for(tenant_id)
        if model is not None:
            for i, prediction in zip(rows, model.predict(vectors[rows]), strict=True):
                predictions[i] = prediction
    # Every turn of a micro-batch waited for the whole batch: that is its latency in this stage.
    latency_ms = (deps.clock() - started) * 1000.0
    at = utcnow()
    outputs: list[list[Envelope]] = []
    for event, vector, prediction in zip(events, vectors, predictions, strict=True):
        update: dict[str, object] = {
            **event.caused(STAGE),
            "occurred_at": at,
            "intent": _annotation(prediction, deps.model_name),
            "embedding": TurnEmbedding.from_vector(deps.encoder.model_id, vector),
            "stages": [*event.stages, StageTiming(stage=STAGE, latency_ms=latency_ms, at=at)],
        }
        outputs.append([event.model_copy(update=update)])
    return outputs


def handle(event: TurnAnnotated, deps: IntentDeps) -> list[Envelope]:
    return handle_batch([event], deps)[0]
