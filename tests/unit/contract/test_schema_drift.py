"""The JSON Schemas under schemas/ are the contract; the pydantic models must say the same thing.

Both sides are normalised to the same shape (properties, required, types, enums, formats, bounds) with $refs and
allOf resolved, and compared field by field."""

from __future__ import annotations

from typing import Any

import pytest

from relaydesk.common import schema_registry, serde
from relaydesk.events import Envelope

# The wire always carries these (the serializer writes them); pydantic fills defaults for them on the way in.
ALWAYS_ON_WIRE = {"event_id", "event_type", "event_version", "occurred_at"}
KEPT = ("type", "enum", "format", "pattern", "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum")


def _resolve(schema: dict[str, Any], base_id: str) -> tuple[dict[str, Any], str]:
    while "$ref" in schema:
        resolver = schema_registry.registry().resolver(base_uri=base_id)
        resolved = resolver.lookup(schema["$ref"])
        schema, base_id = resolved.contents, resolved.resolver._base_uri
    return schema, base_id


def normalise(schema: dict[str, Any], base_id: str, defs: dict[str, Any] | None = None) -> dict[str, Any]:
    if "$ref" in schema and schema["$ref"].startswith("#/$defs/") and defs is not None:
        return normalise(defs[schema["$ref"].split("/")[-1]], base_id, defs)
    schema, base_id = _resolve(schema, base_id)
    if "anyOf" in schema:
        options = [o for o in schema["anyOf"] if o.get("type") != "null"]
        assert len(options) == 1, f"unsupported union {schema}"
        merged = {k: v for k, v in schema.items() if k != "anyOf"}
        merged.update(options[0])
        return normalise(merged, base_id, defs)
    out: dict[str, Any] = {}
    props: dict[str, Any] = {}
    required: set[str] = set()
    for part in schema.get("allOf", []):
        sub = normalise(part, base_id, defs)
        props.update(sub.get("properties", {}))
        required |= set(sub.get("required", []))
    if "const" in schema:
        out["enum"] = [schema["const"]]
    for key in KEPT:
        if key in schema:
            out[key] = schema[key]
    if "const" in schema and "type" not in out:
        out["type"] = "string" if isinstance(schema["const"], str) else "integer"
    for name, sub in schema.get("properties", {}).items():
        props[name] = normalise(sub, base_id, defs)
    required |= set(schema.get("required", []))
    if props:
        out["type"] = "object"
        out["properties"] = props
        out["required"] = sorted(required)
    if "items" in schema:
        out["items"] = normalise(schema["items"], base_id, defs)
    if isinstance(schema.get("additionalProperties"), dict):
        out["additionalProperties"] = normalise(schema["additionalProperties"], base_id, defs)
    return out


def model_view(cls: type[Envelope]) -> dict[str, Any]:
    js = cls.model_json_schema(mode="validation")
    view = normalise(js, "urn:model", js.get("$defs", {}))
    view["required"] = sorted(set(view["required"]) | ALWAYS_ON_WIRE)
    return view


def schema_view(cls: type[Envelope]) -> dict[str, Any]:
    doc = schema_registry.load_schema(cls.SCHEMA)
    view = normalise(doc, doc["$id"])
    view["required"] = sorted(set(view["required"]) | (ALWAYS_ON_WIRE & set(view["properties"])))
    return view


def _diff(a: Any, b: Any, path: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                out.append(f"{path}/{key}: only in {'model' if key in a else 'schema'}")
            else:
                out.extend(_diff(a[key], b[key], f"{path}/{key}"))
        return out
    return [] if a == b else [f"{path}: model={a!r} schema={b!r}"]


@pytest.mark.parametrize("cls", serde.EVENT_CLASSES, ids=lambda c: c.EVENT_TYPE)
def test_when_model_and_schema_compared_then_no_drift(cls: type[Envelope]) -> None:
    assert _diff(model_view(cls), schema_view(cls)) == []


def test_when_a_field_changes_then_drift_is_detected() -> None:
    # Guard against a normaliser that hides differences: flip one type and expect a finding.
    from relaydesk.events import ConversationTurn

    view = schema_view(ConversationTurn)
    view["properties"]["text"]["type"] = "integer"
    assert _diff(model_view(ConversationTurn), view) == ["/properties/text/type: model='string' schema='integer'"]


@pytest.mark.parametrize("cls", serde.EVENT_CLASSES, ids=lambda c: c.EVENT_TYPE)
def test_when_schema_file_named_then_id_and_version_match(cls: type[Envelope]) -> None:
    doc = schema_registry.load_schema(cls.SCHEMA)
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert doc["$id"].endswith(cls.SCHEMA)
    assert cls.SCHEMA.endswith(f".v{cls.EVENT_VERSION}.json")
