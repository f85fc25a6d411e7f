"""`relaydesk bench contract`'s measurement: one row per event type, both validators timed on the same documents."""

from __future__ import annotations

import json

from integration.spine.event_samples import sample_document
from relaydesk.bench.contract_cost import measure
from relaydesk.events import TurnAnnotated


def test_when_documents_are_measured_then_both_validators_are_timed_and_compared() -> None:
    values = [json.dumps(sample_document(TurnAnnotated)).encode() for _ in range(2)]
    row = measure(values, repeat=5)
    assert row["event_type"] == TurnAnnotated.EVENT_TYPE and row["documents"] == 2
    assert row["bytes_mean"] == round(sum(map(len, values)) / 2)
    assert row["jsonschema_ms"] > 0 and row["jsonschema_rs_ms"] > 0 and row["pydantic_ms"] > 0
    assert abs(row["speedup"] - row["jsonschema_ms"] / row["jsonschema_rs_ms"]) <= 0.05 * row["speedup"]  # rounded
    assert row["speedup"] > 1  # compiled against interpreted, on the same documents
