"""Tenant configuration with one ordering (issue 10, item 4): revisions are the config topic's offsets, every
reader breaks ties the same way, workers read every config before they consume a turn, and raw-retention
changes reach the archive (its topic config, and the archive's reader, which enforces them)."""

from __future__ import annotations

import concurrent.futures
import time
import uuid

from confluent_kafka import Producer
from confluent_kafka.admin import ConfigResource

from gateway_helpers import GatewayFactory, auth
from relaydesk.common import serde
from relaydesk.common.kafka import admin_client, producer_config
from relaydesk.common.settings import KafkaSettings
from relaydesk.common.stage import Stage, install_stage
from relaydesk.common.topics import Topics
from relaydesk.common.worker import as_batch, build_worker
from relaydesk.events import ConversationTurn, TenantConfig
from relaydesk.gateway.config_snapshot import republish
from relaydesk.guard.app import RawArchive, archive_topic
from relaydesk.guard.tenants import RawArchiveReader, RawRetention, RawRetentionPolicies


def _config(tenant: str, n: int, **fields: object) -> TenantConfig:
    return TenantConfig(tenant_id=tenant, revision=1, persona=f"persona {n}", **fields)  # type: ignore[arg-type]


def test_when_many_configs_sit_in_one_batch_then_the_worker_applies_all_before_it_is_built(kafka: KafkaSettings) -> None:
    # One producer batch: Tansu's end offset then points at the batch's start, so a reader that trusted it
    # would think itself caught up after the first record.
    producer = Producer(producer_config(kafka, **{"linger.ms": 200}))
    for n in range(30):
        config = _config("acme", n, retain_raw=n % 2 == 0)
        producer.produce(kafka.topic(Topics.TENANT_CONFIG), serde.serialize(config), key=b"acme")
    producer.produce(kafka.topic(Topics.TENANT_CONFIG), serde.serialize(_config("acme", 30, retain_raw=False)),
                     key=b"acme")
    assert producer.flush(10) == 0
    applied: list[TenantConfig] = []

    def stages(app, k):  # a stage that is never fed here: what matters is what build_worker did first
        stage = Stage(name="probe", input_topic=Topics.TURNS_RAW, input_type=ConversationTurn,
                      handle_batch=as_batch(lambda event, deps: [], None), route=lambda e: Topics.TURNS_GUARDED)
        return [install_stage(app, stage, k)]

    build_worker(f"probe-{uuid.uuid4().hex[:6]}", stages, apply_config=applied.append, kafka=kafka)
    # build_worker returned: the app's agents have not started, and every config is already applied, in order
    assert len(applied) == 31
    assert [c.persona for c in applied] == [f"persona {n}" for n in range(31)]
    assert applied[-1].retain_raw is False
    revisions = [c.revision for c in applied]
    assert revisions == sorted(set(revisions)), "revisions are the offsets: unique and increasing"


def test_when_two_replicas_take_puts_at_once_then_every_reader_agrees_on_the_latest(gateways: GatewayFactory) -> None:
    replicas = [gateways.start(), gateways.start()]
    key = gateways.api_keys["acme"]
    clients = [r.client() for r in replicas]

    def put(n: int) -> int:
        resp = clients[n % 2].put("/v1/tenant/config", json={"persona": f"p{n}"}, headers=auth(key))
        assert resp.status_code == 202, resp.text
        return int(resp.json()["revision"])

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        revisions = list(pool.map(put, range(16)))
    assert len(set(revisions)) == 16, f"two PUTs got the same revision: {sorted(revisions)}"
    latest = f"p{revisions.index(max(revisions))}"
    deadline = time.monotonic() + 20
    seen: list[tuple[int, str]] = []
    while time.monotonic() < deadline:
        configs = [client.get("/v1/tenant/config", headers=auth(key)).json()["config"] or {} for client in clients]
        seen = [(c.get("revision", 0), c.get("persona", "")) for c in configs]
        if seen == [(max(revisions), latest)] * 2:
            break
        time.sleep(0.1)
    assert seen == [(max(revisions), latest)] * 2
    for client in clients:
        client.close()


def _archived(kafka: KafkaSettings, turn: ConversationTurn, age_s: float) -> None:
    producer = Producer(producer_config(kafka))
    producer.produce(kafka.topic(archive_topic(turn.tenant_id)), serde.serialize(turn), key=b"c-1",
                     timestamp=int((time.time() - age_s) * 1000))
    assert producer.flush(10) == 0


def _retention_ms(kafka: KafkaSettings, topic: str) -> int:
    resource = ConfigResource(ConfigResource.Type.TOPIC, kafka.topic(topic))
    admin = admin_client(kafka)
    entries = admin.describe_configs([resource])[resource].result(10)
    return int(entries["retention.ms"].value)


def test_when_raw_retention_changes_then_archive_topic_and_reader_follow(kafka: KafkaSettings) -> None:
    archive = RawArchive(kafka)
    policies = RawRetentionPolicies(RawRetention(retain_raw=True, raw_retention_ms=3_600_000))
    topic = archive.topic_for("acme")
    assert _retention_ms(kafka, topic) == 3_600_000
    turns = {age: ConversationTurn(tenant_id="acme", conversation_id="c-1", turn_id=f"t-{age}", channel="sms",
                                   speaker="customer", text=f"raw text {age}") for age in (7200, 600, 0)}
    for age, turn in turns.items():
        _archived(kafka, turn, age)
    reader = RawArchiveReader(kafka, policies, archive_topic)
    # an hour's retention: the two-hour-old turn is not returned, although the broker still holds it
    assert [t.turn_id for t in reader.read("acme")] == ["t-600", "t-0"]

    five_minutes = TenantConfig(tenant_id="acme", revision=7, raw_retention_ms=300_000)
    archive.configure(five_minutes)
    policies.apply(five_minutes)
    assert _retention_ms(kafka, topic) == 300_000  # the change reached the topic
    assert [t.turn_id for t in reader.read("acme")] == ["t-0"]

    opted_out = TenantConfig(tenant_id="acme", revision=9, retain_raw=False, raw_retention_ms=300_000)
    policies.apply(opted_out)
    assert reader.read("acme") == []
    # a replay of an older revision changes nothing (the shared tie rule)
    assert policies.apply(five_minutes) is False and reader.read("acme") == []


def test_when_the_local_broker_restarts_then_tenant_configs_come_back_from_the_snapshot(
    gateways: GatewayFactory, kafka: KafkaSettings, tmp_path
) -> None:
    snapshot = tmp_path / "tenant-configs.json"
    key = gateways.api_keys["acme"]
    first = gateways.start(config_snapshot_file=snapshot)
    with first.client() as client:
        body = {"persona": "kept across restarts", "retain_raw": False}
        assert client.put("/v1/tenant/config", json=body, headers=auth(key)).status_code == 202
        deadline = time.monotonic() + 20
        while not (snapshot.exists() and "kept across restarts" in snapshot.read_text()):
            assert time.monotonic() < deadline, "the gateway never wrote its snapshot"
            time.sleep(0.1)
    assert snapshot.stat().st_mode & 0o777 == 0o600
    first.stop()
    # a new, empty broker (a fresh topic prefix): what `relaydesk up` does before it starts any worker
    fresh = kafka.model_copy(update={"topic_prefix": f"t{uuid.uuid4().hex[:10]}."})
    from relaydesk.common.kafka import ensure_topics

    ensure_topics(fresh)
    assert republish(fresh, snapshot) == 1
    restarted = GatewayFactory(fresh, gateways.settings, gateways.api_keys, gateways.store, gateways.running).start()
    with restarted.client() as client:
        config = client.get("/v1/tenant/config", headers=auth(key)).json()["config"]
    assert config["persona"] == "kept across restarts" and config["retain_raw"] is False
