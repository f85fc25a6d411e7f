from __future__ import annotations

import numpy as np
import pytest

from relaydesk.events import TenantConfig, TenantIntent, TurnAnnotated, TurnEmbedding
from relaydesk.intent.catalogue import load_background, load_catalogue
from relaydesk.intent.classifier import OUT_OF_SCOPE, IntentDefinition
from relaydesk.intent.core import (
    IntentDeps,
    apply_tenant_config,
    fit_intents,
    handle,
    handle_batch,
    merge_definitions,
    training_pairs,
)
from relaydesk.intent.registry import IntentRegistry
from relaydesk.nlu.encoder import TurnEncoder
from relaydesk.nlu.glossary import builtin_glossary
from unit.nlu.nlu_fakes import HashingEmbedder, make_turn

_SMALL_CATALOGUE = (
    IntentDefinition("order_status", "", ("where is my order", "has my order shipped", "track my parcel")),
    IntentDefinition("refund_request", "", ("i want a refund", "refund my money", "where is my refund")),
    IntentDefinition("human_agent", "", ("talk to a human", "real person please", "connect me to an agent")),
)


@pytest.fixture
def deps(embedder: HashingEmbedder) -> IntentDeps:
    encoder = TurnEncoder(embedder, builtin_glossary())
    background = encoder.encode(list(load_background()))
    default = fit_intents(_SMALL_CATALOGUE, encoder, background, mix=0.5, threshold=0.0)
    return IntentDeps(encoder, IntentRegistry(default), _SMALL_CATALOGUE, background, threshold=0.0)


def test_when_turn_handled_then_annotated_copy_with_new_envelope(deps: IntentDeps) -> None:
    event = make_turn("where is my order please")
    [out] = handle(event, deps)
    assert isinstance(out, TurnAnnotated)
    assert out.event_id != event.event_id and out.causation_id == event.event_id
    assert (out.tenant_id, out.conversation_id, out.turn) == (event.tenant_id, event.conversation_id, event.turn)
    assert out.intent is not None and out.intent.label == "order_status"
    assert 0.0 <= out.intent.confidence <= 1.0 and len(out.intent.candidates) == 3
    assert out.intent.model == f"prototype/{deps.encoder.model_id}"
    assert [s.stage for s in out.stages] == ["intent"]
    # The published vector is the one the classifier used, so emotion and retrieval can reuse it.
    assert out.embedding is not None and out.embedding.model == deps.encoder.model_id
    expected = deps.encoder.encode(["where is my order please"])[0]
    assert float(out.embedding.vector() @ expected) > 0.999
    TurnAnnotated.model_validate(out.model_dump(mode="json"))


def test_when_batch_then_one_output_per_input_in_order(deps: IntentDeps, embedder: HashingEmbedder) -> None:
    texts = ["refund my money now", "connect me to a human", "where is my parcel"]
    calls = embedder.calls
    outputs = handle_batch([make_turn(t, turn_id=f"t{i}") for i, t in enumerate(texts)], deps)
    assert [o[0].intent.label for o in outputs] == ["refund_request", "human_agent", "order_status"]  # type: ignore[union-attr]
    assert [o[0].turn.turn_id for o in outputs] == ["t0", "t1", "t2"]
    assert embedder.calls - calls <= 2  # one call for the batch (plus gloss words never seen before)


def test_when_turn_carries_embedding_of_same_model_then_not_embedded_again(
    deps: IntentDeps, embedder: HashingEmbedder
) -> None:
    vector = deps.encoder.encode(["talk to a human"])[0]
    event = make_turn("talk to a human").model_copy(
        update={"embedding": TurnEmbedding.from_vector(deps.encoder.model_id, vector)}
    )
    calls = embedder.calls
    [out] = handle(event, deps)
    assert embedder.calls == calls
    assert out.intent.label == "human_agent"  # type: ignore[union-attr]


def test_when_empty_batch_then_nothing(deps: IntentDeps) -> None:
    assert handle_batch([], deps) == []


def _config(revision: int, **kw: object) -> TenantConfig:
    return TenantConfig(tenant_id="acme", revision=revision, **kw)  # type: ignore[arg-type]


_TEST_DRIVE = TenantIntent(
    name="book_test_drive",
    description="book a test drive",
    examples=["i want to test drive the car", "book a test drive on saturday", "can i try driving it"],
)


def test_when_tenant_config_arrives_then_its_intents_serve_only_that_tenant(deps: IntentDeps) -> None:
    apply_tenant_config(_config(1, intents=[_TEST_DRIVE], use_builtin_intents=False), deps)
    [mine] = handle(make_turn("book a test drive for saturday"), deps)
    [theirs] = handle(make_turn("book a test drive for saturday", tenant="other"), deps)
    assert mine.intent.label == "book_test_drive"  # type: ignore[union-attr]
    assert theirs.intent.label != "book_test_drive"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("use_builtin", "expected_labels"),
    [
        (True, {"order_status", "refund_request", "human_agent", "book_test_drive"}),  # built-ins kept
        (False, {"book_test_drive"}),  # the tenant's own intents only
    ],
)
def test_when_use_builtin_then_catalogue_merged(deps: IntentDeps, use_builtin: bool, expected_labels: set[str]) -> None:
    apply_tenant_config(_config(1, intents=[_TEST_DRIVE], use_builtin_intents=use_builtin), deps)
    model = deps.registry.model_for("acme")
    assert model is not None and set(model.labels) == expected_labels


def test_when_older_revision_arrives_then_ignored(deps: IntentDeps) -> None:
    apply_tenant_config(_config(2, intents=[_TEST_DRIVE], use_builtin_intents=False), deps)
    apply_tenant_config(_config(1, intents=[], use_builtin_intents=False), deps)  # stale, redelivered
    model = deps.registry.model_for("acme")
    assert model is not None and model.labels == ("book_test_drive",)
    assert deps.registry.revision("acme") == 2


def test_when_no_intents_and_no_builtin_then_everything_out_of_scope(deps: IntentDeps) -> None:
    apply_tenant_config(_config(1, intents=[], use_builtin_intents=False), deps)
    [out] = handle(make_turn("where is my order"), deps)
    assert out.intent.label == OUT_OF_SCOPE and out.intent.out_of_scope  # type: ignore[union-attr]


def test_when_threshold_configured_then_tenant_uses_it(deps: IntentDeps) -> None:
    apply_tenant_config(_config(1, intent_threshold=1.0), deps)
    [out] = handle(make_turn("where is my order"), deps)
    assert out.intent.out_of_scope  # type: ignore[union-attr]
    [other] = handle(make_turn("where is my order", tenant="other"), deps)
    assert not other.intent.out_of_scope  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("definition", "expected_texts"),
    [
        (IntentDefinition("a_b", "desc", ("x", "y")), ["x", "y"]),  # examples only
        (IntentDefinition("a_b", "desc", ()), ["desc"]),  # no examples: the description
        (IntentDefinition("a_b", "", ()), ["a b"]),  # nothing at all: the name
    ],
)
def test_when_intent_defined_then_training_texts(definition: IntentDefinition, expected_texts: list[str]) -> None:
    assert training_pairs([definition]) == (expected_texts, ["a_b"] * len(expected_texts))


def test_when_tenant_redefines_builtin_then_tenant_version_wins() -> None:
    own = IntentDefinition("order_status", "", ("mine",))
    merged = merge_definitions(_SMALL_CATALOGUE, [own], use_builtin=True)
    assert [d for d in merged if d.name == "order_status"] == [own]


def test_when_builtin_catalogue_loaded_then_required_intents_present() -> None:
    names = {d.name for d in load_catalogue()}
    required = {
        "order_status", "cancel_order", "refund_request", "lost_or_stolen_card", "disputed_charge",
        "password_or_login", "marketing_opt_out", "human_agent", "address_change", "pricing",
        "failed_payment", "complaint",
    }  # fmt: skip
    assert required <= names
    assert all(len(d.examples) >= 3 and d.description for d in load_catalogue())
    assert np.isfinite(len(load_background()))
