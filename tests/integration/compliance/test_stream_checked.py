"""Streaming behind compliance, on a real broker: generation's raw partials carry a card number split over many
tokens; the real compliance worker (both its stages) and the real gateway run; the customer-facing stream,
read through the gateway and straight off its topic, never carries a digit of it."""

from __future__ import annotations

import asyncio
import json
import re
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from faust_helpers import running
from kafka_helpers import read_topics
from relaydesk.common import serde
from relaydesk.common.kafka import produce_and_wait, sync_producer
from relaydesk.common.settings import KafkaSettings
from relaydesk.common.topics import Topics
from relaydesk.compliance.app import build_app
from relaydesk.compliance.bootstrap import build_deps
from relaydesk.compliance.pii import Redactor
from relaydesk.events import ReplyDraft, ReplyPartial, ReplyStreamChunk, TenantConfig, utcnow
from relaydesk.gateway.app import create_app
from relaydesk.gateway.auth import KeyStore
from relaydesk.gateway.config import GatewaySettings

pytestmark = pytest.mark.asyncio(loop_scope="function")

CARD = "4111 1111 1111 1111"
TEXT = (
    f"I have blocked the card ending in the number {CARD} for you. A new card is on its way and should arrive "
    "within five working days. You can keep using the app meanwhile."
)


ENVELOPE_NOISE = ("event_id", "causation_id", "occurred_at")


def _content(value: bytes) -> dict:
    """A record's fields without the envelope's ids and timestamp, which are random or clock-made."""
    return {k: v for k, v in json.loads(value).items() if k not in ENVELOPE_NOISE}


def _partials(tenant: str, conversation: str, reply_id: str, text: str) -> list[ReplyPartial]:
    deltas = [text[i : i + 2] for i in range(0, len(text), 2)]  # two characters per token: the card in ten
    base = {"tenant_id": tenant, "conversation_id": conversation, "turn_id": "t-1", "reply_id": reply_id}
    out = [ReplyPartial(**base, seq=i, kind="token", delta=d) for i, d in enumerate(deltas)]
    return [*out, ReplyPartial(**base, seq=len(deltas), kind="end")]


def _draft(tenant: str, conversation: str, reply_id: str, text: str) -> ReplyDraft:
    return ReplyDraft(tenant_id=tenant, conversation_id=conversation, turn_id="t-1", reply_id=reply_id, text=text,
                      mode="generated", handoff=False, streamed=True, received_at=utcnow())  # fmt: skip


async def _items(client: TestClient, key: str, conversation: str, until_kind: str, timeout_s: float) -> list[dict]:
    deadline = time.monotonic() + timeout_s
    items: list[dict] = []
    while time.monotonic() < deadline:
        resp = await asyncio.to_thread(
            client.get, f"/v1/conversations/{conversation}/replies", params={"wait": 1},
            headers={"Authorization": f"Bearer {key}"},
        )
        items = resp.json()["items"]
        if any(i["kind"] == until_kind for i in items):
            return items
    return items


async def test_when_reply_streams_a_card_number_then_customer_never_receives_its_digits(
    kafka: KafkaSettings, redactor: Redactor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RELAYDESK_WORKER_WEB_PORT", "0")
    keys = KeyStore(tmp_path / "keys.json")
    api_keys = {"acme": keys.add("acme") or "", "quiet": keys.add("quiet") or ""}
    producer = sync_producer(kafka)
    # One tenant turns streaming off: its customers get the final reply only.
    quiet = TenantConfig(tenant_id="quiet", revision=1, streaming=False)
    produce_and_wait(producer, kafka.topic(Topics.TENANT_CONFIG), serde.serialize(quiet), key=b"quiet")
    app = build_app(kafka, deps=build_deps(redactor=redactor))
    settings = GatewaySettings(keys_file=tmp_path / "keys.json", admin_key="admin-test", search_url="http://127.0.0.1:9")
    with TestClient(create_app(settings, kafka)) as client:
        async with running(app, timeout_s=60):
            conversations = (("acme", "conv-card"), ("quiet", "conv-quiet"))
            for tenant, conversation in conversations:
                for partial in _partials(tenant, conversation, f"r-{conversation}", TEXT):
                    produce_and_wait(producer, kafka.topic(Topics.REPLIES_PARTIAL), serde.serialize(partial),
                                     key=conversation.encode())  # fmt: skip
            streamed = await asyncio.to_thread(
                read_topics, kafka, [Topics.REPLIES_STREAM], lambda rs: any(b'"end"' in r.value for r in rs), 60
            )
            # In the stack the draft follows its stream (generation ends the stream, then sends the draft).
            for tenant, conversation in conversations:
                draft = _draft(tenant, conversation, f"r-{conversation}", TEXT)
                produce_and_wait(producer, kafka.topic(Topics.REPLIES_DRAFT), serde.serialize(draft),
                                 key=conversation.encode())  # fmt: skip
            seen = await _items(client, api_keys["acme"], "conv-card", "reply", 30)
            quiet_items = await _items(client, api_keys["quiet"], "conv-quiet", "reply", 30)

    # Straight off the customer-facing topic: checked chunks only, in order, none with a digit of the card.
    chunks = [serde.deserialize(r.value, ReplyStreamChunk) for r in streamed]
    acme = [c for c in chunks if c.tenant_id == "acme"]
    assert acme and acme[-1].kind == "end" and [c.seq for c in acme] == list(range(len(acme)))
    assert all(re.search(r"\d", c.delta) is None for c in acme)
    assert "".join(c.delta for c in acme) == redactor.redact(TEXT).text
    # Every field but the envelope's random ids and clock (a hex id or a microsecond can hold "1111").
    assert all(not re.search(r"4111|1111", json.dumps(_content(r.value))) for r in streamed)
    # Through the gateway: the partials the customer receives, then the final reply, masked the same way.
    kinds = [i["kind"] for i in seen]
    assert "partial" in kinds and kinds[-1] == "reply"
    shown = "".join(i["data"]["delta"] for i in seen if i["kind"] == "partial")
    assert "<CREDIT_CARD>" in shown and re.search(r"\d", shown) is None
    final = next(i for i in seen if i["kind"] == "reply")["data"]["reply"]["text"]
    assert "<CREDIT_CARD>" in final and "4111" not in final
    # Streaming off: nothing streamed for that tenant, and its reply still arrives.
    assert [c for c in chunks if c.tenant_id == "quiet"] == []
    assert [i["kind"] for i in quiet_items] == ["reply"]
