"""`relaydesk topics create --plan` against the real broker: planned counts are created, drift is reported."""

from __future__ import annotations

import json
import uuid

import pytest

from relaydesk.cli.main import main
from relaydesk.common.kafka import admin_client
from relaydesk.common.settings import KafkaSettings
from relaydesk.common.topics import Topics, all_topic_specs
from relaydesk.stack.broker import TansuBroker


@pytest.mark.timeout(120)
def test_when_created_with_a_plan_then_topics_have_the_planned_counts_and_a_changed_plan_is_reported(
    broker: TansuBroker, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    prefix = f"p{uuid.uuid4().hex[:10]}."
    monkeypatch.setenv("RELAYDESK_KAFKA_BOOTSTRAP", broker.bootstrap)
    monkeypatch.setenv("RELAYDESK_KAFKA_TOPIC_PREFIX", prefix)
    monkeypatch.setenv("RELAYDESK_KAFKA_PARTITIONS", "2")
    plan = {Topics.TURNS_RAW: {"partitions": 6}, Topics.REPLIES: {"partitions": 3, "replicationFactor": 1}}

    assert main(["topics", "create", "--plan", json.dumps(plan)]) == 0
    first = json.loads(capsys.readouterr().out)
    assert len(first["created"]) == len(all_topic_specs()) and first["partition_count_differs"] == {}
    topics = admin_client(KafkaSettings(bootstrap=broker.bootstrap)).list_topics(timeout=10).topics
    assert len(topics[f"{prefix}{Topics.TURNS_RAW}"].partitions) == 6
    assert len(topics[f"{prefix}{Topics.REPLIES}"].partitions) == 3
    assert len(topics[f"{prefix}{Topics.TURNS_GUARDED}"].partitions) == 2  # not planned: the default
    assert len(topics[f"{prefix}{Topics.TENANT_CONFIG}"].partitions) == 1

    # Kafka cannot shrink a topic: a plan that now says 12 is reported, not applied, and nothing is re-created.
    plan[Topics.TURNS_RAW] = {"partitions": 12}
    assert main(["topics", "create", "--plan", json.dumps(plan)]) == 0
    second = json.loads(capsys.readouterr().out)
    assert second["created"] == []
    assert second["partition_count_differs"] == {f"{prefix}{Topics.TURNS_RAW}": {"planned": 12, "actual": 6}}


def test_when_the_plan_names_an_unknown_topic_then_the_command_fails_before_touching_the_broker(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RELAYDESK_KAFKA_BOOTSTRAP", "127.0.0.1:1")  # nothing listens: the check comes first
    assert main(["topics", "create", "--plan", '{"relaydesk.turns.rwa": {"partitions": 3}}']) == 2
    assert "relaydesk.turns.rwa" in json.loads(capsys.readouterr().out)["error"]
