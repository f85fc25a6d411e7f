"""Which processes the local stack runs. The chart deploys one worker per stage (`WORKERS`); on one machine the
stack folds them into fewer processes, each fold switchable by its environment variable (default on):

- RELAYDESK_STACK_COMBINED_NLU: intent and emotion chained in `worker nlu` (relaydesk/nlu/app.py);
- RELAYDESK_STACK_GUARD_IN_NLU: the guard in front of them too (`worker guard-nlu`);
- RELAYDESK_STACK_COHOSTED: generation and compliance chained in `worker reply` (`CHAINED`), and light workers
  sharing one process each (`COHOSTS`). A cohost's stages and topics are unchanged; they share one Faust app
  (one consumer and poller, one web server, one tenant-config reader), so an idle stack has fewer processes
  polling the broker. A host's consumer group and table changelogs carry its own name: conversation state does
  not carry over a switch of layout on an existing stack home.
"""

from __future__ import annotations

import os

WORKERS = (
    "guard", "intent", "emotion", "knowledge", "generation", "compliance", "conversations", "assist",
    "campaigns", "carrier", "qa",
)
COMBINED_NLU_ENV = "RELAYDESK_STACK_COMBINED_NLU"
GUARD_IN_NLU_ENV = "RELAYDESK_STACK_GUARD_IN_NLU"
COHOSTED_ENV = "RELAYDESK_STACK_COHOSTED"
# host -> the workers it carries, each built by its own build_app (cli/worker.py): the human side (hand-offs,
# agent assist, QA); the dialer and the simulated carrier it dials through.
COHOSTS: dict[str, tuple[str, ...]] = {
    "desk": ("conversations", "assist", "qa"),
    "outbound": ("campaigns", "carrier"),
}
# Hosts whose stages are also chained (their own build_app): generation's drafts checked by compliance in the same
# process (relaydesk/reply/app.py), one hop fewer on every bot reply.
CHAINED: dict[str, tuple[str, ...]] = {"reply": ("generation", "compliance")}
# Off the customer's reply path: hand-offs, assist, QA, the dialer and the carrier answer a person or a timer, not
# a customer waiting on a reply. Once idle (KafkaSettings.idle_after_s) their consumers let the broker park a
# fetch this long instead of the default 250 ms: a quarter of the idle fetches, for about 140 ms more (p50) on
# the first record after a quiet spell (Tansu answers a parked fetch at about a seventh of its wait, docs/
# benchmarks.md). The reply path (guard, NLU, knowledge, generation, compliance) keeps the default.
OFF_REPLY_PATH = ("conversations", "assist", "qa", "campaigns", "carrier", *COHOSTS)
OFF_PATH_IDLE_FETCH_WAIT_MS = 1000
NLU_HOSTS: dict[str, tuple[str, ...]] = {"guard-nlu": ("guard", "intent", "emotion"), "nlu": ("intent", "emotion")}


def _on(env: str) -> bool:
    return os.environ.get(env, "1").strip().lower() not in ("0", "false", "no", "off")


def combined_nlu() -> bool:
    return _on(COMBINED_NLU_ENV)


def _fold(workers: tuple[str, ...], host: str, members: tuple[str, ...]) -> tuple[str, ...]:
    """`members` replaced by `host`, where the first of them was."""
    at = workers.index(members[0])
    return (*workers[:at], host, *(w for w in workers[at:] if w not in members))


def stack_workers() -> tuple[str, ...]:
    workers: tuple[str, ...] = WORKERS
    if combined_nlu():
        host = "guard-nlu" if _on(GUARD_IN_NLU_ENV) else "nlu"
        workers = _fold(workers, host, NLU_HOSTS[host])
    if _on(COHOSTED_ENV):
        for host, members in {**CHAINED, **COHOSTS}.items():
            workers = _fold(workers, host, members)
    return workers


def worker_env(worker: str) -> dict[str, str]:
    """Settings the local stack gives one worker process on top of the stack's own."""
    if worker in OFF_REPLY_PATH and "RELAYDESK_KAFKA_IDLE_FETCH_WAIT_MS" not in os.environ:
        return {"RELAYDESK_KAFKA_IDLE_FETCH_WAIT_MS": str(OFF_PATH_IDLE_FETCH_WAIT_MS)}
    return {}


def hosts_of(stage: str) -> tuple[str, ...]:
    """The processes (`worker-…`) that carry `stage` in some layout, besides its own `worker-<stage>`."""
    every = {**NLU_HOSTS, **CHAINED, **COHOSTS}
    return tuple(f"worker-{host}" for host, members in every.items() if stage in members)
