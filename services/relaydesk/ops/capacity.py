"""The capacity model behind docs/capacity.md: from a number of concurrent conversations to the replicas,
partitions and GPUs each stage needs, and what that costs per hour.

Per-stage throughput comes from docs/benchmarks.md (measured on the 2-core development machine, one process per
stage); what was not measured there (the GPU's decode rate, prices) is an assumption, named as such in
ASSUMPTIONS and in the document. Run `python -m relaydesk.ops.capacity --markdown` for the table and
`--plot docs/capacity.png` for the cost curve; tests/unit/ops/test_capacity.py checks that docs/capacity.md
shows what this computes.
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class StageRate:
    name: str
    turns_per_s: float  # per replica, one core
    source: str  # where the figure comes from
    memory_gib: float  # the chart's memory request of one replica
    min_replicas: int = 2  # never fewer than two: one pod can always be rescheduled


# Measured (docs/benchmarks.md). Handler p50 figures are per turn, one at a time, so they understate what batching
# gives; they are what the stages do in the running stack.
STAGES: tuple[StageRate, ...] = (
    StageRate("guard", 1 / 0.014, "guard handler p50 14 ms (bench turn, concurrency 1)", 1.5),
    StageRate("intent", 41.1, "intent, batch 32, unique texts: 41.1 turns/s (bench nlu)", 1.0),
    StageRate("emotion", 1 / 0.0011, "emotion handler p50 1.1 ms (bench turn)", 0.5),
    StageRate("retrieval", 1 / 0.119, "retrieval handler p50 119 ms (bench turn)", 1.0),
    StageRate("compliance", 1 / 0.025, "compliance handler p50 25 ms (bench turn)", 1.5),
)


@dataclass(frozen=True)
class Assumptions:
    turn_interval_s: float = 30.0  # a customer in a live chat sends a turn about every 30 s
    utilisation: float = 0.6  # plan replicas to run at 60%: bursts, rebalances, KEDA's reaction time
    cache_hit_rate: float = 0.3  # semantic-cache hits skip the model (bench generation measured 0.8 on paraphrases)
    reply_tokens: int = 120  # output tokens per generated reply
    gpu_tokens_per_s: float = 1500.0  # NOT MEASURED: one GPU, a 7B instruct model, batch 16
    # generation worker: turns in flight per replica; I/O bound, so raised from the default 8 with
    # RELAYDESK_GENERATION_WORKER_MAX_IN_FLIGHT=32
    worker_in_flight: int = 32
    reply_seconds: float = 3.0  # time a turn holds a generation-worker slot (TTFT + decode) on a GPU
    partition_step: int = 12  # partition counts come in multiples of 12 (divisible by 2, 3, 4, 6)
    min_partitions: int = 12
    partition_headroom: float = 1.5  # partitions for 1.5x the planned replicas: room to scale without a new topic
    gateway_conversations_per_replica: int = 2500  # NOT MEASURED: long-polls/SSE streams one gateway holds
    vcpu_hour_usd: float = 0.04  # list-price ballpark of an on-demand vCPU
    gib_hour_usd: float = 0.005
    gpu_hour_usd: float = 2.50  # one data-centre GPU, on demand
    fixed_hour_usd: float = 1.50  # Kafka (3 brokers) and Qdrant (3 nodes), the same at every size here


ASSUMPTIONS = Assumptions()
CONVERSATIONS = (100, 500, 1000, 2500, 5000, 10000)


@dataclass(frozen=True)
class Plan:
    conversations: int
    turns_per_s: float
    replicas: dict[str, int]  # per worker, plus gateway
    partitions: dict[str, int]  # per input topic of a turn-path stage
    gpus: int
    cost_per_hour_usd: float


def replicas_for(rate: float, per_replica: float, utilisation: float, floor: int) -> int:
    return max(floor, math.ceil(rate / (per_replica * utilisation)))


def partitions_for(replicas: int, a: Assumptions = ASSUMPTIONS) -> int:
    wanted = max(a.min_partitions, math.ceil(replicas * a.partition_headroom))
    return math.ceil(wanted / a.partition_step) * a.partition_step


def plan(conversations: int, a: Assumptions = ASSUMPTIONS) -> Plan:
    turns = conversations / a.turn_interval_s
    replicas = {s.name: replicas_for(turns, s.turns_per_s, a.utilisation, s.min_replicas) for s in STAGES}
    replies = turns * (1 - a.cache_hit_rate)
    gpus = max(1, math.ceil(replies * a.reply_tokens / (a.gpu_tokens_per_s * a.utilisation)))
    in_flight = replies * a.reply_seconds
    replicas["generation"] = replicas_for(in_flight, a.worker_in_flight, a.utilisation, 2)
    replicas["knowledge"] = 2  # sized by the knowledge update rate, not by conversations
    replicas["gateway"] = max(2, math.ceil(conversations / a.gateway_conversations_per_replica))
    partitions = {topic: partitions_for(replicas[stage], a) for stage, topic in INPUTS.items()}
    memory = {s.name: s.memory_gib for s in STAGES} | {"generation": 1.0, "knowledge": 1.0, "gateway": 0.5}
    cpu_cost = sum(replicas.values()) * a.vcpu_hour_usd
    mem_cost = sum(n * memory[k] for k, n in replicas.items()) * a.gib_hour_usd
    cost = cpu_cost + mem_cost + gpus * a.gpu_hour_usd + a.fixed_hour_usd
    return Plan(conversations, turns, replicas, partitions, gpus, round(cost, 2))


# Each turn-path stage's main input topic: its partitions bound its consumers.
INPUTS = {
    "guard": "relaydesk.turns.raw",
    "intent": "relaydesk.turns.guarded",
    "emotion": "relaydesk.turns.intent",
    "retrieval": "relaydesk.turns.emotion",
    "generation": "relaydesk.turns.context",
    "compliance": "relaydesk.replies.draft",
}
COLUMNS = ("guard", "intent", "emotion", "retrieval", "generation", "compliance", "knowledge", "gateway")


def _partitions(p: Plan) -> str:
    others = max(n for t, n in p.partitions.items() if t not in ("relaydesk.turns.context", "relaydesk.turns.emotion"))
    return f"{p.partitions['relaydesk.turns.context']} / {p.partitions['relaydesk.turns.emotion']} / {others}"


def markdown_table(plans: list[Plan]) -> str:
    head = ["concurrent conversations", "turns/s", *COLUMNS, "partitions: turns.context / turns.emotion / others",
            "GPUs", "$ per hour", "$ per 1,000 conversation-hours"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for p in plans:
        row = [f"{p.conversations:,}", f"{p.turns_per_s:.1f}", *(str(p.replicas[c]) for c in COLUMNS),
               _partitions(p), str(p.gpus), f"{p.cost_per_hour_usd:.2f}",
               f"{1000 * p.cost_per_hour_usd / p.conversations:.2f}"]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def write_plot(path: str, a: Assumptions = ASSUMPTIONS) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    xs = list(range(100, 10001, 100))
    plans = [plan(n, a) for n in xs]
    fig, left = plt.subplots(figsize=(8, 4.5), dpi=110)
    left.plot(xs, [p.cost_per_hour_usd for p in plans], color="tab:blue", label="$ per hour (left)")
    left.plot(xs, [p.gpus * a.gpu_hour_usd for p in plans], color="tab:blue", linestyle=":",
              label="of which GPUs (left)")
    left.set_xlabel(f"concurrent conversations (one customer turn every {a.turn_interval_s:.0f} s)")
    left.set_ylabel("$ per hour")
    right = left.twinx()
    right.plot(xs, [1000 * p.cost_per_hour_usd / p.conversations for p in plans], color="tab:orange",
               label="$ per 1,000 conversation-hours (right)")
    right.set_ylabel("$ per 1,000 conversation-hours")
    handles = left.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    labels = left.get_legend_handles_labels()[1] + right.get_legend_handles_labels()[1]
    left.legend(handles, labels, loc="upper center", fontsize=8)
    left.set_title("relaydesk cost as load grows (docs/capacity.md assumptions)")
    left.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--markdown", action="store_true", help="print the capacity table")
    parser.add_argument("--plot", default=None, help="write the cost curve PNG here")
    args = parser.parse_args(argv)
    if args.markdown:
        print(markdown_table([plan(n) for n in CONVERSATIONS]))
    if args.plot:
        write_plot(args.plot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
