"""Serialisation validates against the contract both ways and fails with a typed, value-free error."""

from __future__ import annotations

import json

import pytest

from relaydesk.common import serde
from relaydesk.common.dlq import dead_letter
from relaydesk.events import ConversationTurn, KnowledgeUpdate, TurnAnnotated

SECRET = "4111 1111 1111 1111"


def turn(**changes: object) -> ConversationTurn:
    base: dict[str, object] = dict(
        tenant_id="demo", conversation_id="c-1", turn_id="t-1", channel="webchat", speaker="customer", text="hello"
    )
    base.update(changes)
    return ConversationTurn(**base)  # type: ignore[arg-type]


def test_when_turn_round_trips_then_equal() -> None:
    original = turn(lang="en", customer_ref="cust-9")
    assert serde.deserialize(serde.serialize(original), ConversationTurn) == original


def test_when_optional_fields_are_none_then_they_are_left_out() -> None:
    doc = json.loads(serde.serialize(turn()))
    assert "lang" not in doc and "customer_ref" not in doc and "causation_id" not in doc


@pytest.mark.parametrize(
    ("mutate", "kind", "path"),
    [
        # channel outside the enum
        (lambda d: d.update(channel="fax"), "schema", "channel"),
        # required field missing
        (lambda d: d.pop("turn_id"), "schema", "(root)"),
        # tenant id with characters the pattern forbids
        (lambda d: d.update(tenant_id="Demo Tenant"), "schema", "tenant_id"),
        # empty text
        (lambda d: d.update(text=""), "schema", "text"),
        # an event type nobody knows
        (lambda d: d.update(event_type="conversation.turn.v9"), "unknown_type", ""),
        # version 2 of a known type is not readable yet
        (lambda d: d.update(event_version=2), "unknown_type", ""),
    ],
)
def test_when_document_breaks_contract_then_typed_error_without_values(mutate, kind: str, path: str) -> None:
    doc = json.loads(serde.serialize(turn(text=f"card {SECRET}")))
    mutate(doc)
    with pytest.raises(serde.EventError) as info:
        serde.deserialize(json.dumps(doc).encode())
    assert info.value.kind == kind
    assert path in str(info.value)
    assert SECRET not in str(info.value) and "Demo Tenant" not in str(info.value)


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        b"[1, 2]",
        b"\xff\xfe",
        b"",
        b"[" * 100_000,  # nesting too deep to parse (RecursionError)
        b'{"tenant_id": "demo", "latency_ms": NaN}',  # NaN/Infinity are not JSON
        b'{"event_version": ' + b"9" * 5_000 + b"}",  # an integer too long to convert
        b'{"text": "\xc3\x28"}',  # invalid UTF-8 inside a string
    ],
)
def test_when_bytes_are_not_a_json_object_then_not_json(raw: bytes) -> None:
    with pytest.raises(serde.EventError) as info:
        serde.deserialize(raw)
    assert info.value.kind == "not_json"


def test_when_expected_type_differs_then_wrong_type() -> None:
    with pytest.raises(serde.EventError) as info:
        serde.deserialize(serde.serialize(turn()), TurnAnnotated)
    assert info.value.kind == "wrong_type"


def test_when_model_rule_fails_then_model_error() -> None:
    # The schema allows an upsert with an empty body; the model's rule does not.
    update = KnowledgeUpdate(tenant_id="demo", op="delete", doc_id="faq-1", version=3)
    doc = json.loads(serde.serialize(update))
    doc["op"] = "upsert"
    with pytest.raises(serde.EventError) as info:
        serde.deserialize(json.dumps(doc).encode())
    assert info.value.kind == "model"


def test_when_dead_lettered_then_original_bytes_kept_and_reason_has_no_values() -> None:
    raw = json.dumps({"event_type": "conversation.turn", "tenant_id": "demo", "text": SECRET}).encode()
    try:
        serde.deserialize(raw)
    except serde.EventError as exc:
        error = exc
    record = dead_letter(
        service="guard", topic="relaydesk.turns.raw", partition=1, offset=7, key=b"c-1", value=raw,
        headers=[("traceparent", b"00-abc")], error=error,
    )
    assert record.tenant_id == "demo"
    assert SECRET not in record.reason
    import base64

    assert base64.b64decode(record.value_b64) == raw
    assert serde.deserialize(serde.serialize(record)) == record


def test_when_handler_exception_dead_lettered_then_only_type_and_location() -> None:
    try:
        raise ValueError(f"could not parse {SECRET}")
    except ValueError as exc:
        record = dead_letter(
            service="x", topic="t", partition=0, offset=0, key=None, value=b"{}", headers=None, error=exc
        )
    assert record.error_type == "ValueError"
    assert "builtins.ValueError at test_serde.py" in record.reason
    assert SECRET not in record.reason


@pytest.mark.parametrize(
    "raw",
    [
        b'{"tenant_id": ' + b"9" * 5_000 + b"}",  # an integer over Python's conversion limit (ValueError)
        b"[" * 100_000,  # nesting too deep (RecursionError)
        b"\xff\xfe\x00",  # not UTF-8
    ],
)
def test_when_value_cannot_be_parsed_at_all_then_dead_letter_still_built(raw: bytes) -> None:
    with pytest.raises(serde.EventError) as info:
        serde.deserialize(raw)
    record = dead_letter(service="svc", topic="t", partition=0, offset=1, key=None, value=raw, headers=[],
                         error=info.value)
    assert record.tenant_id is None and record.error_type == "not_json"
    assert serde.deserialize(serde.serialize(record)) == record
