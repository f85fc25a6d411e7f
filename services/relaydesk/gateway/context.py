"""What the gateway's request handlers share: settings, keys, the producer, the reply hub, tenant configs."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from dataclasses import dataclass, field
from typing import Any

import httpx
from confluent_kafka import Message

from relaydesk.common import serde
from relaydesk.common.broadcast import BroadcastConsumer, RecordCallback
from relaydesk.common.kafka import AsyncProducer
from relaydesk.common.metrics import DEDUPED
from relaydesk.common.settings import KafkaSettings
from relaydesk.common.tenant_configs import CONFIG_FETCH_WAIT_MS, config_from_record, supersedes
from relaydesk.common.topics import Topics
from relaydesk.common.two_speed import TwoSpeedReader, view_reader
from relaydesk.events import Envelope, Handoff, Reply, ReplyStreamChunk, TenantConfig
from relaydesk.gateway.agent_view import AgentView
from relaydesk.gateway.auth import KeyStore
from relaydesk.gateway.config import GatewaySettings
from relaydesk.gateway.config_snapshot import ConfigSnapshot
from relaydesk.gateway.cursor import STREAM_HANDOFFS, STREAM_PARTIALS, STREAM_REPLIES, Position
from relaydesk.gateway.hub import ReplyHub
from relaydesk.gateway.outbound import OutboundViews
from relaydesk.gateway.qa_view import QaView
from relaydesk.gateway.ratelimit import TenantRateLimiter

log = logging.getLogger(__name__)

# Streamed text only from compliance's checked stream: generation's raw partials never reach a customer.
REPLY_TOPICS = (Topics.REPLIES, Topics.REPLIES_STREAM, Topics.HANDOFFS)
STREAMS = {Topics.REPLIES: STREAM_REPLIES, Topics.REPLIES_STREAM: STREAM_PARTIALS, Topics.HANDOFFS: STREAM_HANDOFFS}


def reply_reader(
    kafka: KafkaSettings, settings: GatewaySettings, on_record: RecordCallback
) -> BroadcastConsumer | TwoSpeedReader:
    """The reply view's reader: two-speed (common/two_speed.py) unless idle fetch waits are turned off; busy, at
    the broker settings' own fetch wait (a customer waits on it)."""
    return view_reader(kafka, REPLY_TOPICS, on_record, name="gateway-replies", fetch_wait_ms=None,
                       idle_fetch_wait_ms=settings.replies_idle_fetch_wait_ms)


@dataclass
class GatewayContext:
    settings: GatewaySettings
    kafka: KafkaSettings
    keys: KeyStore
    producer: AsyncProducer
    hub: ReplyHub
    http: httpx.AsyncClient
    limiter: TenantRateLimiter
    streams: dict[str, str] = field(default_factory=dict)  # prefixed topic name -> cursor stream letter
    tenant_configs: dict[str, TenantConfig] = field(default_factory=dict)
    consumers: list[BroadcastConsumer | TwoSpeedReader] = field(default_factory=list)
    replies: BroadcastConsumer | TwoSpeedReader | None = None  # the reply view's reader (one of `consumers`)
    agents: AgentView | None = None  # the human side: queue, desk, supervisor (gateway/agent_view.py)
    outbound: OutboundViews | None = None  # consent ledger and campaigns (gateway/outbound.py)
    qa: QaView | None = None  # QA scores, graders' labels and their agreement (gateway/qa_view.py)
    snapshot: ConfigSnapshot | None = None  # local stack: tenant configs kept across broker restarts
    _config_lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def start(cls, settings: GatewaySettings, kafka: KafkaSettings) -> GatewayContext:
        loop = asyncio.get_running_loop()
        ctx = cls(
            settings=settings,
            kafka=kafka,
            keys=KeyStore(settings.keys_file),
            producer=AsyncProducer(kafka),
            hub=ReplyHub(
                loop,
                settings.conversations_kept,
                settings.items_per_conversation,
                conversations_per_tenant=settings.conversations_per_tenant,
                waiters_per_tenant=settings.waiters_per_tenant,
                on_duplicate=lambda kind: DEDUPED.labels("gateway", kind).inc(),
            ),
            http=httpx.AsyncClient(timeout=httpx.Timeout(10.0, connect=2.0)),
            limiter=TenantRateLimiter(settings.rate_limit_for),
            streams={kafka.topic(topic): letter for topic, letter in STREAMS.items()},
            snapshot=ConfigSnapshot(settings.config_snapshot_file) if settings.config_snapshot_file else None,
        )
        ctx.replies = reply_reader(kafka, settings, ctx._on_reply_record).start()
        ctx.consumers = [
            ctx.replies,
            BroadcastConsumer(
                kafka, (Topics.TENANT_CONFIG,), ctx._on_config_record, name="gateway-config",
                fetch_wait_ms=CONFIG_FETCH_WAIT_MS, marker=True,
            ).start(),
        ]
        ctx.agents = AgentView(kafka, loop, before_send=ctx.expect_replies).start()
        ctx.consumers.append(ctx.agents.consumer)
        ctx.outbound = OutboundViews(kafka).start()
        ctx.consumers.extend(ctx.outbound.consumers)
        ctx.qa = QaView(kafka).start()
        ctx.consumers.extend(ctx.qa.consumers)
        return ctx

    async def close(self) -> None:
        if self.agents is not None:
            self.agents.producer.close()
        for consumer in self.consumers:
            consumer.stop()
        self.producer.close()
        await self.http.aclose()

    @property
    def ready(self) -> bool:
        # Tenant configs read to the end, so a PUT computes its revision hint from the latest one.
        return all(c.ready for c in self.consumers) and all(c.caught_up for c in self.consumers if c.marked)

    def expect_replies(self) -> None:
        """A turn or an agent's command is on its way: read replies at the fast pace from now on."""
        if self.replies is not None:
            self.replies.wake()

    def wake_views(self) -> None:
        """Someone is at work (a request came): every view reads at its busy pace for a while."""
        for consumer in self.consumers:
            consumer.wake()

    # -- views fed by the broadcast consumers (consumer threads) ---------------------------------------------
    def _on_reply_record(self, msg: Message) -> None:
        event: Envelope = serde.deserialize(msg.value() or b"")
        if not event.conversation_id:
            return
        position = Position(self.streams[str(msg.topic())], int(msg.partition() or 0), int(msg.offset() or 0))
        if isinstance(event, Reply):
            self._publish(event, "reply", reply_view(event), position)
        elif isinstance(event, ReplyStreamChunk):
            data = {"reply_id": event.reply_id, "turn_id": event.turn_id, "seq": event.seq, "delta": event.delta}
            if event.reason:
                data["reason"] = event.reason
            kind = {"token": "partial", "end": "end", "retract": "retract"}[event.kind]
            self._publish(event, kind, data, position)
        elif isinstance(event, Handoff):
            self._publish(event, "handoff", json.loads(serde.serialize(event)), position)

    def _publish(self, event: Envelope, kind: str, data: dict[str, Any], position: Position) -> None:
        self.hub.publish_threadsafe(event.tenant_id, event.conversation_id or "", kind, data, position)

    def _on_config_record(self, msg: Message) -> None:
        config = config_from_record(msg)
        if config is None:
            return
        with self._config_lock:
            known = self.tenant_configs.get(config.tenant_id)
            if supersedes(config, known.revision if known else None):
                self.tenant_configs[config.tenant_id] = config
                if self.snapshot is not None:
                    self.snapshot.save(dict(self.tenant_configs))

    def tenant_config(self, tenant_id: str) -> TenantConfig | None:
        with self._config_lock:
            return self.tenant_configs.get(tenant_id)


def cited_documents(reply: Reply) -> list[dict[str, Any]]:
    """One entry per cited document (a reply may cite several chunks of one), best-scoring chunk first."""
    best: dict[str, Any] = {}
    for s in sorted(reply.sources, key=lambda s: -s.score):
        best.setdefault(s.doc_id, {"doc_id": s.doc_id, "title": s.title, "score": round(s.score, 4),
                                   "kb_version": s.kb_version, "version": s.version})
    return list(best.values())


def reply_view(reply: Reply) -> dict[str, Any]:
    """The reply as clients see it (and as `relaydesk chat` prints it)."""
    return {
        "reply_id": reply.reply_id,
        "turn_id": reply.turn_id,
        "reply": {"text": reply.text, "handoff": reply.handoff, "mode": reply.mode, "speaker": reply.speaker or "bot"},
        "intent": (
            {"label": reply.intent.label, "confidence": round(reply.intent.confidence, 4)} if reply.intent else None
        ),
        "emotion": (
            {
                "label": reply.emotion.label,
                "sentiment": round(reply.emotion.sentiment, 4),
                "escalate": reply.emotion.escalate,
            }
            if reply.emotion
            else None
        ),
        "sources": cited_documents(reply),
        "compliance": {
            "verdict": reply.compliance.verdict,
            "findings": [f.model_dump(exclude_none=True) for f in reply.compliance.findings],
        },
        "cache": reply.cache.model_dump(exclude_none=True),
        "received_at": reply.received_at.isoformat(),
        "replied_at": reply.occurred_at.isoformat(),
        "stages": [
            {"stage": s.stage, "latency_ms": round(s.latency_ms, 2), "at": s.at.isoformat()} for s in reply.stages
        ],
    }
