"""The partition plan (the chart's kafka.topicPlan, passed as JSON to `relaydesk topics create --plan`)."""

from __future__ import annotations

import pytest

from relaydesk.common.settings import KafkaSettings
from relaydesk.common.topics import Topics
from relaydesk.ops.partition_plan import PlanError, TopicPlan, parse_plan, planned_topics


@pytest.mark.parametrize(
    ("text", "plan"),
    [
        ("", {}),  # no plan: the defaults
        ('{"relaydesk.turns.raw": {"partitions": 12}}', {"relaydesk.turns.raw": TopicPlan(12, None)}),
        ('{"relaydesk.replies": {"partitions": 6, "replicationFactor": 3}}', {"relaydesk.replies": TopicPlan(6, 3)}),
    ],
)
def test_when_plan_json_is_valid_then_it_parses(text: str, plan: dict[str, TopicPlan]) -> None:
    assert parse_plan(text) == plan


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not JSON"),  # truncated
        ("[1]", "JSON object"),  # not a map
        ('{"relaydesk.turns.raw": {"partitons": 3}}', "relaydesk.turns.raw"),  # misspelt key
        ('{"relaydesk.turns.raw": {"partitions": 0}}', "at least 1"),  # zero partitions
        ('{"relaydesk.turns.raw": {"partitions": true}}', "whole number"),  # a bool is not a count
        ('{"relaydesk.turns.raw": {}}', "relaydesk.turns.raw"),  # says nothing
    ],
)
def test_when_plan_json_is_invalid_then_the_error_says_where(text: str, message: str) -> None:
    with pytest.raises(PlanError, match=message):
        parse_plan(text)


def test_when_planned_then_named_topics_get_their_counts_and_the_rest_the_defaults() -> None:
    kafka = KafkaSettings(partitions=4, replication_factor=2)
    planned = {p.spec.name: p for p in planned_topics(kafka, {Topics.TURNS_RAW: TopicPlan(12, 3)})}
    assert (planned[Topics.TURNS_RAW].spec.partitions, planned[Topics.TURNS_RAW].replication_factor) == (12, 3)
    assert (planned[Topics.REPLIES].spec.partitions, planned[Topics.REPLIES].replication_factor) == (4, 2)
    assert planned[Topics.TENANT_CONFIG].spec.partitions == 1  # single-partition topics stay single
    assert planned[f"{Topics.TURNS_RAW}.dlq"].spec.partitions == 1  # dead letters too, unless planned
    # the topic's own config (short retention of raw text) is kept
    assert planned[Topics.TURNS_RAW].spec.config["retention.ms"] == "3600000"


def test_when_plan_names_an_unknown_topic_then_it_fails_instead_of_planning_nothing() -> None:
    with pytest.raises(PlanError, match=r"relaydesk\.turns\.rwa"):
        planned_topics(KafkaSettings(), {"relaydesk.turns.rwa": TopicPlan(12)})
