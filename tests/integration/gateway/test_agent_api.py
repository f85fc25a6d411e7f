"""The agent API against a real broker and the real conversations processor (a Faust worker in this test's
event loop): a hand-off reaches the queue, claims and releases go through the processor and come back as
state, an agent's message becomes a reply draft for compliance, and another tenant sees nothing."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from faust_helpers import running
from gateway_helpers import in_process_gateway
from kafka_helpers import read_topics
from relaydesk.common import serde
from relaydesk.common.kafka import produce_and_wait, sync_producer
from relaydesk.common.settings import KafkaSettings
from relaydesk.common.topics import Topics
from relaydesk.conversations.app import build_app
from relaydesk.events import Handoff, ReplyDraft


@pytest.fixture
def gateway(kafka: KafkaSettings, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    with in_process_gateway(kafka, tmp_path, ready_s=20, poll_s=0.1) as running:
        yield running


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def _call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    # TestClient blocks; the Faust worker shares this event loop, so calls run in a thread.
    return await asyncio.to_thread(fn, *args, **kwargs)


async def _until(fetch: Any, done: Any, deadline_s: float = 20.0) -> Any:
    deadline = time.monotonic() + deadline_s
    value = None
    while time.monotonic() < deadline:
        value = await fetch()
        if done(value):
            return value
        await asyncio.sleep(0.2)
    raise AssertionError(f"not reached within {deadline_s} s: {value}")


async def test_when_handoff_then_queue_claim_message_release_through_the_processor(
    kafka: KafkaSettings, gateway: tuple[TestClient, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, keys = gateway
    acme, globex = _auth(keys["acme"]), _auth(keys["globex"])
    monkeypatch.setenv("RELAYDESK_WORKER_WEB_PORT", "0")
    app = build_app(kafka)
    handoff = Handoff(tenant_id="acme", conversation_id="conv-h1", turn_id="t-1", reply_id="r-1",
                      reason="customer_request", category="customer_request", priority="high",
                      summary="The customer asked for a person.", intent="complaint", language="en")
    async with running(app):
        produce_and_wait(sync_producer(kafka), kafka.topic(Topics.HANDOFFS), serde.serialize(handoff), key=b"conv-h1")

        async def queue(headers: dict[str, str]) -> list[dict[str, Any]]:
            r = await _call(client.get, "/v1/agent/queue", headers=headers)
            assert r.status_code == 200, r.text
            return list(r.json()["items"])

        (item,) = await _until(lambda: queue(acme), lambda items: len(items) == 1)
        assert (item["conversation_id"], item["reason"], item["priority"], item["claimed_by"]) == (
            "conv-h1", "customer_request", "high", None)
        assert await queue(globex) == []
        path = "/v1/agent/conversations/conv-h1"
        assert (await _call(client.post, f"{path}/claim", json={"agent_id": "eve"}, headers=globex)).status_code == 404

        claimed = await _call(client.post, f"{path}/claim", json={"agent_id": "ana"}, headers=acme)
        assert claimed.status_code == 200, claimed.text
        assert claimed.json()["state"] == "with_agent" and claimed.json()["summary"]["kind"] == "running"
        assert (await _call(client.post, f"{path}/claim", json={"agent_id": "bob"}, headers=acme)).status_code == 409
        assert (await queue(acme))[0]["claimed_by"] == "ana"

        sent = await _call(client.post, f"{path}/messages", json={"agent_id": "ana", "text": "Happy to help."},
                           headers=acme)
        assert sent.status_code == 202, sent.text
        records = await asyncio.to_thread(read_topics, kafka, [Topics.REPLIES_DRAFT], lambda rs: len(rs) >= 1)
        (draft,) = [serde.deserialize(r.value, ReplyDraft) for r in records]
        assert (draft.speaker, draft.reply_id, draft.text, draft.turn_id) == (
            "agent", sent.json()["reply_id"], "Happy to help.", "t-1")

        released = await _call(client.post, f"{path}/release", json={"to": "closed"}, headers=acme)
        assert released.status_code == 200 and released.json()["state"] == "closed", released.text
        assert await queue(acme) == []
        summaries = await asyncio.to_thread(
            read_topics, kafka, [Topics.CONVERSATION_SUMMARIES], lambda rs: len(rs) >= 2)
        kinds = sorted(serde.deserialize(r.value).kind for r in summaries)  # type: ignore[attr-defined]
        assert kinds == ["final", "running"]
