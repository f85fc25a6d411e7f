"""The compiled validator that judges every (de)serialise agrees with jsonschema, which words the errors.

For every event type: its smallest valid document, and that document broken one field at a time (a missing
required field, a wrong type, an empty or malformed string, an unknown field), at the top level and one level
down. On each, both validators must give the same verdict, except that the compiled one also rejects a
malformed `date-time`, which jsonschema checks only when an optional package is installed (it is not here).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from integration.spine.event_samples import sample_document
from relaydesk.common import schema_registry, serde

BAD_VALUES: tuple[Any, ...] = (None, 12345, -1, 1.5, "", "not a date", "Demo Tenant", [], {}, True, "x" * 5000)


def _mutations(doc: dict[str, Any], depth: int = 0) -> Iterator[tuple[str, dict[str, Any]]]:
    for name in list(doc):
        dropped = copy.deepcopy(doc)
        del dropped[name]
        yield f"-{name}", dropped
        for value in BAD_VALUES:
            changed = copy.deepcopy(doc)
            changed[name] = value
            yield f"{name}={value!r:.12}", changed
        if depth == 0 and isinstance(doc[name], dict):
            for label, inner in _mutations(doc[name], depth + 1):
                nested = copy.deepcopy(doc)
                nested[name] = inner
                yield f"{name}.{label}", nested
    extra = copy.deepcopy(doc)
    extra["unexpected_field"] = "x"
    yield "+unexpected_field", extra


def _only_formats(fast: Any, doc: dict[str, Any]) -> bool:
    return all(err.schema_path[-1] == "format" for err in fast.iter_errors(doc))


@pytest.mark.parametrize("cls", serde.EVENT_CLASSES, ids=lambda c: c.EVENT_TYPE)
def test_when_any_event_is_valid_or_broken_then_both_validators_agree(cls: Any) -> None:
    fast = schema_registry.fast_validator_for(cls.SCHEMA)
    slow = schema_registry.validator_for(cls.SCHEMA)
    valid = sample_document(cls)
    assert fast.is_valid(valid)
    disagreements = []
    rejected = 0
    for label, doc in _mutations(valid):
        verdict = fast.is_valid(doc)
        if verdict != slow.is_valid(doc) and not (not verdict and _only_formats(fast, doc)):
            disagreements.append(label)
        rejected += not verdict
    assert not disagreements, f"{cls.EVENT_TYPE}: the validators disagree on {disagreements}"
    assert rejected > 0  # the mutations do break the contract


def test_when_fast_validator_rejects_then_serde_names_the_path_and_keyword() -> None:
    cls = serde.EVENT_CLASSES[0]
    doc = sample_document(cls)
    doc["tenant_id"] = "Demo Tenant"
    with pytest.raises(serde.EventError) as info:
        serde.from_document(doc, cls)
    assert info.value.kind == "schema"
    assert "tenant_id: pattern violated" in str(info.value)
    assert "Demo Tenant" not in str(info.value)


def test_when_only_the_format_is_wrong_then_the_document_is_rejected() -> None:
    """jsonschema checks `date-time` only with an optional package installed; the compiled validator always
    does, so a malformed timestamp never passes."""
    cls = serde.EVENT_CLASSES[0]
    doc = sample_document(cls)
    doc["occurred_at"] = "yesterday at noon"
    with pytest.raises(serde.EventError) as info:
        serde.from_document(doc, cls)
    assert info.value.kind == "schema" and "occurred_at" in str(info.value)
