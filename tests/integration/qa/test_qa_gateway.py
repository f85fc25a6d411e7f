"""The gateway's QA routes against a real broker: a `qa.scored` on the topic is served by
GET /v1/conversations/{id}/qa to its tenant only, and a grader's label posted to /v1/qa/labels comes back
through the topic as agreement figures and the relaydesk_qa_kappa metric."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from gateway_helpers import in_process_gateway
from relaydesk.common import serde
from relaydesk.common.kafka import produce_and_wait, sync_producer
from relaydesk.common.settings import KafkaSettings
from relaydesk.common.topics import Topics
from relaydesk.events import QaScored
from relaydesk.events.qa import QaAnswer, QaEvidence

pytestmark = pytest.mark.integration


@pytest.fixture
def gateway(kafka: KafkaSettings, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    with in_process_gateway(kafka, tmp_path, ready_s=60, poll_s=0.2) as running:
        yield running


def until(fetch: Callable[[], Any], done: Callable[[Any], bool], deadline_s: float = 60.0) -> Any:
    deadline = time.monotonic() + deadline_s
    value = None
    while time.monotonic() < deadline:
        value = fetch()
        if done(value):
            return value
        time.sleep(0.3)
    raise AssertionError(f"not reached within {deadline_s} s: {str(value)[:400]}")


def test_when_scored_and_labelled_then_served_to_its_tenant_with_agreement(
    kafka: KafkaSettings, gateway: tuple[TestClient, dict[str, str]]
) -> None:
    client, keys = gateway
    acme, globex = ({"Authorization": f"Bearer {keys[t]}"} for t in ("acme", "globex"))
    scored = QaScored(
        tenant_id="acme", conversation_id="c-qa-1", rubric_name="relaydesk-default", rubric_version="r1",
        score=50.0, auto_failed=False, closed_by="state", turns=4, last_event_id="e-last",
        answers=[
            QaAnswer(question="greeting", answer="yes", confidence=0.9, evidence=[QaEvidence(turn=1, span="Hello")]),
            QaAnswer(question="closing", answer="no", confidence=0.8, evidence=[QaEvidence(turn=3, span="Ok.")]),
        ],
    )
    produce_and_wait(sync_producer(kafka), kafka.topic(Topics.QA_SCORED), serde.serialize(scored), b"c-qa-1")

    got = until(lambda: client.get("/v1/conversations/c-qa-1/qa", headers=acme), lambda r: r.status_code == 200)
    body = got.json()
    assert body["latest"]["event_id"] == scored.event_id and body["versions"][0]["rubric_version"] == "r1"
    assert body["latest"]["answers"][1]["evidence"] == [{"turn": 3, "span": "Ok."}]
    assert client.get("/v1/conversations/c-qa-1/qa", headers=globex).status_code == 404
    assert client.get("/v1/conversations/c-qa-1/qa").status_code == 401

    bad = client.post("/v1/qa/labels", headers=acme,
                      json={"conversation_id": "c-qa-1", "grader_id": "g1", "answers": {"closing": "maybe"}})
    assert bad.status_code == 422
    posted = client.post("/v1/qa/labels", headers=acme, json={
        "conversation_id": "c-qa-1", "grader_id": "g1", "answers": {"greeting": "yes", "closing": "yes"}})
    assert posted.status_code == 202, posted.text
    again = client.post("/v1/qa/labels", headers=acme, json={
        "conversation_id": "c-qa-1", "grader_id": "g1", "answers": {"greeting": "yes", "closing": "yes"}})
    assert again.json()["event_id"] == posted.json()["event_id"]  # the same label twice is one event

    report = until(lambda: client.get("/v1/qa/agreement", headers=acme).json()["rubric_versions"],
                   lambda v: "r1" in v)["r1"]
    assert report["labels"] == 1
    assert report["questions"]["greeting"]["accuracy"] == 1.0 and report["questions"]["closing"]["accuracy"] == 0.0
    assert client.get("/v1/qa/agreement", headers=globex).json()["rubric_versions"] == {}
    kappas = {
        (s.labels["rubric_version"], s.labels["question"]): s.value
        for family in text_string_to_metric_families(client.get("/metrics").text)
        if family.name == "relaydesk_qa_kappa"
        for s in family.samples
    }
    assert kappas[("r1", "greeting")] == 1.0
