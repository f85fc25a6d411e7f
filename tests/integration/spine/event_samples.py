"""A minimal valid event of any registered type, built from its JSON Schema (required fields only), so a test can
cover every consumed topic, including ones added later, without a hand-written sample per event."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from relaydesk.common import schema_registry, serde
from relaydesk.events import Envelope, new_event_id

# Strings tried, in order, against a field's pattern; the first that matches is used.
_CANDIDATES = ("acme", "c-1", "fuzz-1", "a1", "1", "+15551234567", "00000000000000000000000000000001", "x" * 8)
_ENVELOPE_DEFAULTS = {"tenant_id": "acme", "conversation_id": "c-fuzz"}
# Rules a model checks beyond its schema (cross-field), by event type.
_MODEL_RULES: dict[str, dict[str, Any]] = {"knowledge.update": {"title": "Refunds", "body": "Refunds take 5 days."}}


def _resolve(schema: dict[str, Any], base: str) -> tuple[dict[str, Any], str]:
    while "$ref" in schema:
        resolved = schema_registry.registry().resolver(base_uri=base).lookup(schema["$ref"])
        schema, base = resolved.contents, resolved.resolver._base_uri
    return schema, base


def _string(schema: dict[str, Any]) -> str:
    if schema.get("format") == "date-time":
        return datetime.now(UTC).isoformat()
    pattern = schema.get("pattern")
    min_len = int(schema.get("minLength", 1))
    for candidate in _CANDIDATES:
        if len(candidate) >= min_len and (pattern is None or re.fullmatch(pattern, candidate)):
            return candidate
    raise ValueError(f"no sample string for {schema}")


def _value(schema: dict[str, Any], base: str, name: str = "") -> Any:
    schema, base = _resolve(schema, base)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [o for o in schema[key] if o.get("type") != "null"]
            return _value(options[0], base, name)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next(k for k in kind if k != "null")
    if kind == "object" or "properties" in schema or "allOf" in schema:
        return _object(schema, base)
    if kind == "string":
        return _ENVELOPE_DEFAULTS.get(name) or _string(schema)
    if kind == "integer":
        return int(schema.get("minimum", 0))
    if kind == "number":
        return float(schema.get("minimum", 0.0))
    if kind == "boolean":
        return False
    if kind == "array":
        return [_value(schema.get("items", {}), base) for _ in range(int(schema.get("minItems", 0)))]
    raise ValueError(f"no sample for {schema}")


def _shape(schema: dict[str, Any], base: str) -> tuple[dict[str, tuple[dict[str, Any], str]], set[str]]:
    """Properties (each with the base its $refs resolve against) and required names, allOf merged."""
    props: dict[str, tuple[dict[str, Any], str]] = {}
    required: set[str] = set()
    for part in schema.get("allOf", []):
        sub_props, sub_required = _shape(*_resolve(part, base))
        props.update(sub_props)
        required |= sub_required
    props.update({name: (sub, base) for name, sub in schema.get("properties", {}).items()})
    return props, required | set(schema.get("required", []))


def _object(schema: dict[str, Any], base: str) -> dict[str, Any]:
    props, required = _shape(schema, base)
    return {name: _value(*props[name], name) for name in sorted(required) if name in props}


def sample_document(cls: type[Envelope]) -> dict[str, Any]:
    """The smallest valid document of `cls`; raises if the schema asks for something this cannot build."""
    doc = schema_registry.load_schema(cls.SCHEMA)
    built = _object(doc, doc["$id"])
    built.update({"event_type": cls.EVENT_TYPE, "event_version": cls.EVENT_VERSION, "event_id": new_event_id()})
    built.update(_MODEL_RULES.get(cls.EVENT_TYPE, {}))
    serde.from_document(built, cls)  # valid by the contract, or this raises with the field paths
    return built


def sample_event(cls: type[Envelope], **changes: Any) -> Envelope:
    return serde.from_document({**sample_document(cls), **changes}, cls)
