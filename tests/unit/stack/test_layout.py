"""The local stack's process layout: which workers share a process, and how drills find a stage's process."""

from __future__ import annotations

import pytest

from relaydesk.drill.stack_view import service_name
from relaydesk.stack.layout import (
    CHAINED,
    COHOSTED_ENV,
    COHOSTS,
    OFF_PATH_IDLE_FETCH_WAIT_MS,
    WORKERS,
    hosts_of,
    stack_workers,
    worker_env,
)


def test_when_nothing_is_set_then_the_stack_runs_five_workers_each_stage_exactly_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for env in ("RELAYDESK_STACK_COMBINED_NLU", "RELAYDESK_STACK_GUARD_IN_NLU", COHOSTED_ENV):
        monkeypatch.delenv(env, raising=False)
    assert stack_workers() == ("guard-nlu", "knowledge", "reply", "desk", "outbound")
    hosts = {**CHAINED, **COHOSTS}
    carried = [m for host in ("reply", "desk", "outbound") for m in hosts[host]]
    assert sorted([*carried, "guard", "intent", "emotion", "knowledge"]) == sorted(WORKERS)  # none lost, none twice


@pytest.mark.parametrize("value", ["0", "off", "false"])
def test_when_cohosting_is_turned_off_then_every_light_worker_runs_alone(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(COHOSTED_ENV, value)
    workers = stack_workers()
    hosts = {**CHAINED, **COHOSTS}
    assert not set(hosts) & set(workers)
    assert {m for members in hosts.values() for m in members} <= set(workers)


def test_when_a_drill_names_a_cohosted_stage_then_it_finds_the_process_that_carries_it() -> None:
    running = {"gateway", "worker-guard-nlu", "worker-knowledge", "worker-reply", "worker-desk", "worker-outbound"}
    assert service_name("compliance", running) == service_name("generation", running) == "worker-reply"
    assert {service_name(s, running) for s in ("conversations", "assist", "qa")} == {"worker-desk"}
    assert service_name("carrier", running) == "worker-outbound"
    assert service_name("intent", running) == "worker-guard-nlu"
    assert service_name("knowledge", running) == "worker-knowledge"
    assert service_name("conversations", {"worker-conversations", "worker-desk"}) == "worker-conversations"
    assert hosts_of("knowledge") == ()


def test_when_a_worker_is_off_the_reply_path_then_it_idles_at_the_longer_fetch_wait(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("RELAYDESK_KAFKA_IDLE_FETCH_WAIT_MS", raising=False)
    for worker in ("desk", "outbound", "conversations", "qa", "campaigns", "carrier", "assist"):
        assert worker_env(worker) == {"RELAYDESK_KAFKA_IDLE_FETCH_WAIT_MS": str(OFF_PATH_IDLE_FETCH_WAIT_MS)}
    for worker in ("guard-nlu", "knowledge", "reply", "generation", "compliance", "guard", "intent"):
        assert worker_env(worker) == {}  # a customer waits on these: the default idle wait
    monkeypatch.setenv("RELAYDESK_KAFKA_IDLE_FETCH_WAIT_MS", "400")
    assert worker_env("desk") == {}  # the operator's setting wins
