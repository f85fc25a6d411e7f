"""The partition plan: partition count and replication factor per topic, as the chart's `kafka.topicPlan` says.

A topic the plan leaves out keeps the catalog's defaults (`all_topic_specs`: RELAYDESK_KAFKA_PARTITIONS for
multi-partition topics, one partition for tenant config and dead letters; RELAYDESK_KAFKA_REPLICATION_FACTOR).
Kafka cannot shrink a topic, and this broker API here cannot grow one either, so an existing topic whose count
differs from the plan is reported, never changed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import NewTopic

from relaydesk.common.kafka import admin_client
from relaydesk.common.settings import KafkaSettings
from relaydesk.common.topics import TopicSpec, all_topic_specs


class PlanError(ValueError):
    """A plan that names unknown topics or has invalid counts."""


@dataclass(frozen=True)
class TopicPlan:
    partitions: int | None = None
    replication_factor: int | None = None


@dataclass(frozen=True)
class PlannedTopic:
    spec: TopicSpec
    replication_factor: int


def parse_plan(text: str) -> dict[str, TopicPlan]:
    """`{"<topic>": {"partitions": n, "replicationFactor": r}}` (the chart's kafka.topicPlan, as JSON)."""
    try:
        raw = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError as exc:
        raise PlanError(f"the plan is not JSON: {exc.msg} at {exc.pos}") from None
    if not isinstance(raw, dict):
        raise PlanError("the plan must be a JSON object of topic name -> {partitions, replicationFactor}")
    plan: dict[str, TopicPlan] = {}
    for name, entry in raw.items():
        if not isinstance(entry, dict) or not set(entry) <= {"partitions", "replicationFactor"} or not entry:
            raise PlanError(f"{name}: expected {{partitions, replicationFactor}}")
        for key, value in entry.items():
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise PlanError(f"{name}.{key}: expected a whole number of at least 1")
        plan[name] = TopicPlan(entry.get("partitions"), entry.get("replicationFactor"))
    return plan


def planned_topics(
    kafka: KafkaSettings, plan: Mapping[str, TopicPlan], specs: Sequence[TopicSpec] | None = None
) -> list[PlannedTopic]:
    """Every topic with its planned partitions and replication factor. Unknown names fail, so a typo in the
    plan cannot leave the real topic at the default."""
    specs = list(specs) if specs is not None else all_topic_specs(kafka.partitions)
    unknown = sorted(set(plan) - {s.name for s in specs})
    if unknown:
        raise PlanError(f"the plan names topics relaydesk does not use: {', '.join(unknown)}")
    out = []
    for spec in specs:
        entry = plan.get(spec.name, TopicPlan())
        partitions = entry.partitions or spec.partitions
        replication = entry.replication_factor or kafka.replication_factor
        out.append(PlannedTopic(replace(spec, partitions=partitions), replication))
    return out


def apply_plan(kafka: KafkaSettings, planned: Sequence[PlannedTopic], timeout_s: float = 30.0) -> dict[str, Any]:
    """Creates the planned topics that are missing; reports existing ones whose partition count differs."""
    admin = admin_client(kafka)
    existing = admin.list_topics(timeout=timeout_s).topics
    new: list[NewTopic] = []
    differing: dict[str, dict[str, int]] = {}
    for p in planned:
        name = kafka.topic(p.spec.name)
        if name in existing:
            actual = len(existing[name].partitions)
            if actual != p.spec.partitions:
                differing[name] = {"planned": p.spec.partitions, "actual": actual}
            continue
        new.append(NewTopic(name, num_partitions=p.spec.partitions, replication_factor=p.replication_factor,
                            config=dict(p.spec.config)))
    created: list[str] = []
    if new:
        for name, fut in admin.create_topics(new, operation_timeout=timeout_s).items():
            try:
                fut.result(timeout=timeout_s)
                created.append(name)
            except KafkaException as exc:
                if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                    raise
    return {"created": sorted(created), "partition_count_differs": differing}
