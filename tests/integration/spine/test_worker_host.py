"""Several workers on one Faust app (stack/layout.py's hosts) against a real broker: every stage of every worker
gets each record of a topic they share, each tenant config reaches every worker before any record is consumed,
and a restarted host replays nothing that both had done (a shared topic's offset moves once both acked)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import faust
import pytest

from faust_helpers import running
from kafka_helpers import count_at_least, read_topics
from relaydesk.common import serde
from relaydesk.common.kafka import produce_and_wait, sync_producer
from relaydesk.common.settings import KafkaSettings
from relaydesk.common.stage import Stage, install_stage
from relaydesk.common.topics import Topics
from relaydesk.common.worker import build_worker, cohosted
from relaydesk.events import ConversationTurn, Envelope, TenantConfig, TurnAnnotated, utcnow
from relaydesk.events.ids import derived_id

pytestmark = pytest.mark.asyncio(loop_scope="function")


def worker(name: str, applied: list[tuple[str, str]]) -> Callable[[KafkaSettings], faust.App]:
    """A worker's build_app as the real ones are written: its stages, its own config hook, `build_worker`."""

    def annotate(events: list[Envelope]) -> list[list[Envelope]]:
        return [[TurnAnnotated(**e.caused(name), turn=e.body(), received_at=utcnow())]  # type: ignore[attr-defined]
                for e in events]  # fmt: skip

    def stages(app: faust.App, kafka: KafkaSettings) -> list[Any]:
        stage = Stage(name=f"host-{name}", input_topic=Topics.TURNS_RAW, input_type=ConversationTurn,
                      handle_batch=annotate, route=lambda e: Topics.TURNS_GUARDED, batch_size=4,
                      batch_within_s=0.05)  # fmt: skip
        return [install_stage(app, stage, kafka)]

    def build_app(kafka: KafkaSettings) -> faust.App:
        return build_worker(name, stages, apply_config=lambda cfg: applied.append((name, cfg.tenant_id)), kafka=kafka)

    return build_app


def build_host(kafka: KafkaSettings, applied: list[tuple[str, str]]) -> faust.App:
    with cohosted("host-test", kafka) as host:
        apps = {worker(name, applied)(kafka) for name in ("one", "two")}
    assert apps == {host.app}  # both workers' build_app handed back the one shared app
    return host.finish()


async def test_when_two_workers_share_a_host_then_each_sees_every_record_once_and_a_restart_replays_nothing(
    kafka: KafkaSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RELAYDESK_WORKER_WEB_PORT", "0")
    producer = sync_producer(kafka)
    config = TenantConfig(tenant_id="acme", revision=1, persona="host test")
    produce_and_wait(producer, kafka.topic(Topics.TENANT_CONFIG), serde.serialize(config), key=b"acme")
    turns = [ConversationTurn(tenant_id="acme", conversation_id=f"c-{i % 2}", turn_id=f"t{i}", channel="sms",
                              speaker="customer", text=f"turn {i}") for i in range(6)]  # fmt: skip
    for turn in turns:
        produce_and_wait(producer, kafka.topic(Topics.TURNS_RAW), serde.serialize(turn),
                         key=turn.conversation_id.encode())  # fmt: skip

    applied: list[tuple[str, str]] = []
    app = build_host(kafka, applied)
    assert sorted(applied) == [("one", "acme"), ("two", "acme")]  # one config reader, both workers, before start
    async with running(app, timeout_s=60):
        records = await asyncio.to_thread(read_topics, kafka, [Topics.TURNS_GUARDED], count_at_least(12), 60)
        await asyncio.sleep(2.5)  # past the commit interval
    outputs = [serde.deserialize(r.value, TurnAnnotated) for r in records]
    assert len(outputs) == 12
    # one output per turn and worker, each with the id that worker derives on its own
    assert {out.event_id for out in outputs} == {derived_id(t.event_id, w) for t in turns for w in ("one", "two")}

    again = build_host(kafka, [])
    async with running(again, timeout_s=60):
        replayed = await asyncio.to_thread(read_topics, kafka, [Topics.TURNS_GUARDED], count_at_least(13), 8)
    assert len(replayed) == 12  # nothing processed twice
