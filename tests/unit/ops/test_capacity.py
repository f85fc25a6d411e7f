"""The capacity model: its invariants, and docs/capacity.md shows what it computes."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from relaydesk.ops.capacity import CONVERSATIONS, INPUTS, Assumptions, markdown_table, plan, replicas_for

DOC = Path(__file__).resolve().parents[3] / "docs" / "capacity.md"


@pytest.mark.parametrize(
    ("rate", "per_replica", "utilisation", "floor", "replicas"),
    [
        (0.0, 10.0, 0.6, 2, 2),  # idle: the floor
        (6.0, 10.0, 0.6, 1, 1),  # exactly 60% of one replica
        (6.1, 10.0, 0.6, 1, 2),  # a little more: a second replica
        (100.0, 10.0, 0.5, 2, 20),  # planned at half load
    ],
)
def test_when_a_rate_is_planned_then_replicas_keep_the_utilisation(
    rate: float, per_replica: float, utilisation: float, floor: int, replicas: int
) -> None:
    assert replicas_for(rate, per_replica, utilisation, floor) == replicas


@pytest.mark.parametrize("conversations", [100, 2500, 10000])
def test_when_planned_then_every_consumer_has_at_least_as_many_partitions_as_replicas(conversations: int) -> None:
    p = plan(conversations)
    for stage, topic in INPUTS.items():
        assert p.replicas[stage] <= p.partitions[topic], stage
        assert p.partitions[topic] % 12 == 0


def test_when_load_grows_then_nothing_shrinks_and_the_cost_per_conversation_falls() -> None:
    plans = [plan(n) for n in range(100, 10001, 100)]
    for before, after in itertools.pairwise(plans):
        assert all(after.replicas[k] >= v for k, v in before.replicas.items())
        assert after.gpus >= before.gpus and after.cost_per_hour_usd >= before.cost_per_hour_usd
    per_conversation = [p.cost_per_hour_usd / p.conversations for p in plans]
    assert per_conversation[-1] < per_conversation[0] / 4


def test_when_the_gpu_is_twice_as_fast_then_half_the_gpus_are_needed() -> None:
    slow, fast = plan(10000), plan(10000, Assumptions(gpu_tokens_per_s=3000.0))
    assert fast.gpus == pytest.approx(slow.gpus / 2, abs=1)


def test_when_the_document_is_read_then_its_table_is_what_the_model_computes() -> None:
    assert markdown_table([plan(n) for n in CONVERSATIONS]) in DOC.read_text(), (
        "regenerate: python -m relaydesk.ops.capacity --markdown --plot docs/capacity.png"
    )
