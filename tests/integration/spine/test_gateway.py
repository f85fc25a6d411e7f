"""The gateway against a real broker: auth, validation, produce with trace context, replies by long-poll and SSE."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kafka_helpers import read_topics
from relaydesk.common import serde
from relaydesk.common.kafka import produce_and_wait, sync_producer
from relaydesk.common.settings import KafkaSettings
from relaydesk.common.topics import Topics
from relaydesk.events import (
    ComplianceVerdict,
    ConversationTurn,
    KnowledgeUpdate,
    Reply,
    ReplyStreamChunk,
    utcnow,
)
from relaydesk.gateway.app import create_app
from relaydesk.gateway.auth import KeyStore
from relaydesk.gateway.config import GatewaySettings

ADMIN = "admin-secret-for-tests"


@pytest.fixture
def gateway(kafka: KafkaSettings, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    keys = KeyStore(tmp_path / "keys.json")
    api_keys = {"acme": keys.add("acme") or "", "globex": keys.add("globex") or ""}
    settings = GatewaySettings(keys_file=tmp_path / "keys.json", admin_key=ADMIN, search_url="http://127.0.0.1:9")
    with TestClient(create_app(settings, kafka)) as client:
        deadline = time.monotonic() + 20
        while client.get("/readyz").status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.1)
        yield client, api_keys


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_when_message_posted_then_turn_produced_with_trace(gateway, kafka: KafkaSettings) -> None:
    client, keys = gateway
    resp = client.post(
        "/v1/messages",
        json={"conversation_id": "conv-1", "text": "Where is my order?", "channel": "whatsapp", "lang": "en"},
        headers=auth(keys["acme"]),
    )
    assert resp.status_code == 202, resp.text
    body = resp.json()
    assert len(body["trace_id"]) == 32 and body["conversation_id"] == "conv-1"
    (record,) = read_topics(kafka, [Topics.TURNS_RAW], lambda rs: len(rs) >= 1)
    turn = serde.deserialize(record.value, ConversationTurn)
    assert (turn.tenant_id, turn.channel, turn.text, turn.event_id) == ("acme", "whatsapp", "Where is my order?", body["event_id"])
    assert record.key == b"conv-1"
    assert record.headers["traceparent"].split(b"-")[1].decode() == body["trace_id"]


@pytest.mark.parametrize(
    ("headers", "payload", "status", "needle"),
    [
        # no key at all
        ({}, {"text": "hi"}, 401, "missing API key"),
        # a key nobody issued
        ({"Authorization": "Bearer rdk_acme_guess"}, {"text": "hi"}, 401, "unknown API key"),
        # blank text
        (None, {"text": "   "}, 422, "non-whitespace"),
        # unknown channel
        (None, {"text": "hi", "channel": "fax"}, 422, "channel"),
        # a field the API does not have (a typo must not be silently ignored)
        (None, {"text": "hi", "tenant": "globex"}, 422, "tenant"),
        # a conversation id with characters that would break keys and URLs
        (None, {"text": "hi", "conversation_id": "a b/c"}, 422, "conversation_id"),
    ],
)
def test_when_request_is_bad_then_4xx_and_nothing_produced(gateway, kafka, headers, payload, status, needle) -> None:
    client, keys = gateway
    resp = client.post("/v1/messages", json=payload, headers=auth(keys["acme"]) if headers is None else headers)
    assert resp.status_code == status
    assert needle in resp.text
    # A sentinel sent afterwards must be the only record on the topic.
    sentinel = client.post("/v1/messages", json={"text": "sentinel"}, headers=auth(keys["acme"]))
    records = read_topics(kafka, [Topics.TURNS_RAW], lambda rs: any(b"sentinel" in r.value for r in rs))
    assert [serde.deserialize(r.value).event_id for r in records] == [sentinel.json()["event_id"]]


def _reply(tenant: str, conversation: str, turn: str, reply_id: str, text: str) -> Reply:
    return Reply(
        tenant_id=tenant, conversation_id=conversation, turn_id=turn, reply_id=reply_id, text=text, mode="generated",
        handoff=False, compliance=ComplianceVerdict(verdict="pass"), received_at=utcnow(),
    )


def test_when_reply_arrives_then_long_poll_returns_it_once_and_only_to_its_tenant(gateway, kafka) -> None:
    client, keys = gateway
    producer = sync_producer(kafka)
    reply = _reply("acme", "conv-7", "turn-1", "r-1", "Your order ships today.")
    for _ in range(2):  # a redelivered reply must show once
        produce_and_wait(producer, kafka.topic(Topics.REPLIES), serde.serialize(reply), key=b"conv-7")
    got = client.get("/v1/conversations/conv-7/replies", params={"turn_id": "turn-1", "wait": 10}, headers=auth(keys["acme"]))
    assert got.status_code == 200
    (item,) = got.json()["items"]
    assert item["data"]["reply"]["text"] == "Your order ships today."
    everything = client.get("/v1/conversations/conv-7/replies", params={"wait": 1}, headers=auth(keys["acme"]))
    assert [i["kind"] for i in everything.json()["items"]] == ["reply"]
    other = client.get("/v1/conversations/conv-7/replies", params={"wait": 0.5}, headers=auth(keys["globex"]))
    assert other.json()["items"] == []


def test_when_streaming_then_sse_carries_partials_retraction_and_reply(gateway, kafka) -> None:
    client, keys = gateway
    producer = sync_producer(kafka)
    events = [
        ReplyStreamChunk(tenant_id="acme", conversation_id="conv-s", turn_id="t", reply_id="r", seq=0, kind="token", delta="Hel"),
        ReplyStreamChunk(tenant_id="acme", conversation_id="conv-s", turn_id="t", reply_id="r", seq=1, kind="token", delta="lo"),
        ReplyStreamChunk(tenant_id="acme", conversation_id="conv-s", turn_id="t", reply_id="r", seq=2, kind="retract", reason="blocked"),
        _reply("acme", "conv-s", "t", "r", "A colleague will follow up."),
    ]
    for event in events[:-1]:
        # The gateway serves streamed text from compliance's checked stream only.
        produce_and_wait(producer, kafka.topic(Topics.REPLIES_STREAM), serde.serialize(event), key=b"conv-s")
    # Partials and the final reply travel on different topics, with no order between them; in the stack the
    # reply follows its stream by a compliance hop. Here it follows once the gateway holds the whole stream.
    deadline = time.monotonic() + 20
    held: list[dict] = []
    while len(held) < 3 and time.monotonic() < deadline:
        got = client.get("/v1/conversations/conv-s/replies", params={"wait": 1}, headers=auth(keys["acme"]))
        held = got.json()["items"]
    assert [i["kind"] for i in held] == ["partial", "partial", "retract"]
    produce_and_wait(producer, kafka.topic(Topics.REPLIES), serde.serialize(events[-1]), key=b"conv-s")
    seen: list[tuple[str, dict]] = []
    with client.stream("GET", "/v1/conversations/conv-s/events", headers=auth(keys["acme"])) as stream:
        event_name = None
        for line in stream.iter_lines():
            if line.startswith("event:"):
                event_name = line.split(":", 1)[1].strip()
            elif line.startswith("data:"):
                seen.append((event_name or "", json.loads(line.split(":", 1)[1])))
                if event_name == "reply":
                    break
    assert [name for name, _ in seen] == ["partial", "partial", "retract", "reply"]
    assert "".join(d["delta"] for n, d in seen if n == "partial") == "Hello"


def test_when_documents_posted_then_updates_keyed_per_document(gateway, kafka) -> None:
    client, keys = gateway
    docs = [
        {"doc_id": "card-lost", "title": "Lost card", "body": "Block it in the app.", "lang": "en"},
        {"doc_id": "old-faq", "op": "delete", "version": 7},
    ]
    resp = client.post("/v1/knowledge/documents", json={"documents": docs}, headers=auth(keys["acme"]))
    assert resp.status_code == 202, resp.text
    assert resp.json()["versions"][1] == 7
    records = read_topics(kafka, [Topics.KNOWLEDGE_UPDATES], lambda rs: len(rs) >= 2)
    updates = sorted((serde.deserialize(r.value, KnowledgeUpdate) for r in records), key=lambda u: u.doc_id)
    assert [(u.doc_id, u.op, u.tenant_id) for u in updates] == [("card-lost", "upsert", "acme"), ("old-faq", "delete", "acme")]
    assert {r.key for r in records} == {b"acme:card-lost", b"acme:old-faq"}
    bad = client.post("/v1/knowledge/documents", json={"doc_id": "x", "body": ""}, headers=auth(keys["acme"]))
    assert bad.status_code == 422 and "non-empty body" in bad.text


def test_when_tenant_added_twice_then_second_reports_existing(gateway) -> None:
    client, _ = gateway
    first = client.post("/v1/admin/tenants", json={"tenant_id": "initech"}, headers=auth(ADMIN))
    second = client.post("/v1/admin/tenants", json={"tenant_id": "initech"}, headers=auth(ADMIN))
    assert first.json()["created"] is True and first.json()["api_key"].startswith("rdk_initech_")
    assert second.json() == {"tenant_id": "initech", "created": False, "api_key": None}
    assert client.post("/v1/admin/tenants", json={"tenant_id": "x"}, headers=auth("wrong")).status_code == 401
    new_key = first.json()["api_key"]
    assert client.post("/v1/messages", json={"text": "hi"}, headers=auth(new_key)).status_code == 202


def test_when_tenant_config_put_then_revision_is_the_brokers_and_increases(gateway, kafka) -> None:
    client, keys = gateway
    body = {"persona": "Friendly bank assistant", "intents": [{"name": "mortgage", "examples": ["a", "b", "c"]}]}
    first = client.put("/v1/tenant/config", json=body, headers=auth(keys["acme"])).json()["revision"]
    deadline = time.monotonic() + 10
    while (client.get("/v1/tenant/config", headers=auth(keys["acme"])).json()["config"] or {}).get("revision") != first:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    second = client.put("/v1/tenant/config", json=body, headers=auth(keys["acme"])).json()["revision"]
    assert second > first
    records = read_topics(kafka, [Topics.TENANT_CONFIG], lambda rs: len([r for r in rs if r.value]) >= 2)
    # the revision a PUT answers is the one every reader applies: its record's offset + 1
    assert [r.offset + 1 for r in records if r.value] == [first, second]


def test_when_openapi_requested_then_it_documents_the_api(gateway) -> None:
    client, _ = gateway
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/messages", "/v1/conversations/{conversation_id}/replies", "/v1/knowledge/documents"} <= set(paths)
    assert client.get("/metrics").text.count("relaydesk_gateway_messages_total") >= 1
    # the replies cursor is documented as an opaque string with its pattern
    replies = client.get("/openapi.json").json()["paths"]["/v1/conversations/{conversation_id}/replies"]["get"]
    after = next(p for p in replies["parameters"] if p["name"] == "after")
    assert after["schema"]["type"] == "string" and "pattern" in after["schema"]
