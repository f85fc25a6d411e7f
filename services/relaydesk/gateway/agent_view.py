"""The gateway's view of the human side: who holds each conversation, its redacted transcript with each turn's
annotations, the running summary, and assist's latest suggestions. It is a cache, not the state: the
`conversations` processor owns the state (on the compacted `conversation.state` topic) and every gateway
replica rebuilds this view by reading the topics from the beginning.

Fed by a broadcast consumer thread; read by request handlers on the event loop (a lock guards the maps).
Bounded: the most recent `max_conversations` conversations, `max_turns` transcript entries each.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from confluent_kafka import Message

from relaydesk.common import serde
from relaydesk.common.kafka import AsyncProducer
from relaydesk.common.settings import KafkaSettings
from relaydesk.common.topics import Topics
from relaydesk.common.tracing import inject_headers
from relaydesk.common.two_speed import view_reader
from relaydesk.events import (
    AgentCommand,
    AssistSuggestions,
    ConversationState,
    ConversationSummary,
    Envelope,
    Reply,
    TurnAnnotated,
)
from relaydesk.events.conversation_state import PRIORITY_RANK

log = logging.getLogger(__name__)

VIEW_TOPICS = (
    Topics.CONVERSATION_STATE,
    Topics.CONVERSATION_SUMMARIES,
    Topics.ASSIST_SUGGESTIONS,
    Topics.TURNS_CONTEXT,
    Topics.REPLIES,
)
Key = tuple[str, str]  # (tenant_id, conversation_id)


@dataclass
class ConversationView:
    conversation_id: str
    state: ConversationState | None = None
    summary: ConversationSummary | None = None
    suggestions: AssistSuggestions | None = None
    transcript: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=60))
    entry_ids: set[str] = field(default_factory=set)
    latest_customer_turn: str | None = None

    @property
    def state_name(self) -> str:
        return self.state.state if self.state else "bot"

    @property
    def holder(self) -> str | None:
        return self.state.agent_id if self.state and self.state.state == "with_agent" else None


def _turn_entry(event: TurnAnnotated) -> dict[str, Any]:
    notes: dict[str, Any] = {}
    if event.intent is not None:
        notes["intent"] = {"label": event.intent.label, "confidence": round(event.intent.confidence, 3)}
    if event.emotion is not None:
        notes["emotion"] = {"label": event.emotion.label, "sentiment": round(event.emotion.sentiment, 3),
                            "escalate": event.emotion.escalate}
    if event.guard is not None:
        notes["pii"] = sorted({e.type for e in event.guard.pii})
        notes["attack"] = event.guard.attack.detected
    if event.retrieval is not None:
        notes["documents"] = list(dict.fromkeys(h.doc_id for h in event.retrieval.hits))[:5]
    return {"id": event.turn.turn_id, "turn_id": event.turn.turn_id, "speaker": event.turn.speaker,
            "text": event.turn.text, "at": event.received_at.isoformat(), "annotations": notes}


def _reply_entry(reply: Reply) -> dict[str, Any]:
    return {"id": reply.reply_id, "turn_id": reply.turn_id, "speaker": reply.speaker or "bot", "text": reply.text,
            "at": reply.occurred_at.isoformat(),
            "annotations": {"mode": reply.mode, "verdict": reply.compliance.verdict, "handoff": reply.handoff,
                            "findings": sorted({f.rule_id for f in reply.compliance.findings})}}


class AgentView:
    def __init__(self, kafka: KafkaSettings, loop: asyncio.AbstractEventLoop, max_conversations: int = 2000,
                 producer: AsyncProducer | None = None, before_send: Callable[[], None] = lambda: None) -> None:
        self._kafka = kafka
        self._before_send = before_send  # the gateway reads replies at the fast pace once an agent acts
        self._loop = loop
        self._max = max_conversations
        self._lock = threading.Lock()
        self._convs: OrderedDict[Key, ConversationView] = OrderedDict()
        self._changed: dict[str, asyncio.Event] = {}
        # Agents' commands go to the processor's partition for the conversation: the same key hash as the
        # Faust (aiokafka) producers of the other inputs, so one conversation's inputs meet on one partition.
        self.producer = producer or AsyncProducer(kafka, partitioner="murmur2_random")
        # 250 ms while the gateway is busy: a person reads the console (Tansu answers a parked fetch within about
        # 30-110 ms of a record, docs/benchmarks.md); the idle view wait once quiet (common/two_speed.py).
        self.consumer = view_reader(kafka, VIEW_TOPICS, self._on_record, name="gateway-agent-view", fetch_wait_ms=250)

    def start(self) -> AgentView:
        self.consumer.start()
        return self

    def close(self) -> None:
        self.consumer.stop()
        self.producer.close()

    # -- writers (consumer thread) -------------------------------------------------------------------------
    def _on_record(self, msg: Message) -> None:
        if not msg.value():
            return
        try:
            event: Envelope = serde.deserialize(msg.value() or b"")
        except serde.EventError as exc:  # a view skips what it cannot read; the processors dead-letter it
            log.warning("agent view skipped a record on %s: %s", msg.topic(), exc.kind)
            return
        if event.conversation_id is None:
            return
        with self._lock:
            changed = self._apply(event)
        if changed:
            self._loop.call_soon_threadsafe(self._notify, event.tenant_id)

    def _apply(self, event: Envelope) -> bool:
        key = (event.tenant_id, event.conversation_id or "")
        if isinstance(event, TurnAnnotated | Reply):
            conv = self._conversation(key)
            entry = _turn_entry(event) if isinstance(event, TurnAnnotated) else _reply_entry(event)
            if isinstance(event, TurnAnnotated) and event.turn.speaker == "customer":
                conv.latest_customer_turn = event.turn.turn_id
            if entry["id"] in conv.entry_ids:
                return False
            if len(conv.transcript) == conv.transcript.maxlen:
                conv.entry_ids.discard(conv.transcript[0]["id"])
            conv.entry_ids.add(entry["id"])
            conv.transcript.append(entry)
            return conv.state_name in ("queued", "with_agent")
        if isinstance(event, ConversationState):
            conv = self._conversation(key)
            if conv.state is not None and conv.state.revision > event.revision:
                return False
            conv.state = event
            return True
        if isinstance(event, ConversationSummary):
            self._conversation(key).summary = event
            return True
        if isinstance(event, AssistSuggestions):
            conv = self._conversation(key)
            current = conv.suggestions
            # The full set (with the model's draft) follows the quick one for the same turn; never go back.
            if current is not None and current.turn_id == event.turn_id and len(current.items) > len(event.items):
                return False
            conv.suggestions = event
            return True
        return False

    def _conversation(self, key: Key) -> ConversationView:
        conv = self._convs.get(key)
        if conv is None:
            conv = ConversationView(conversation_id=key[1])
            self._convs[key] = conv
            if len(self._convs) > self._max:
                self._convs.popitem(last=False)
        else:
            self._convs.move_to_end(key)
        return conv

    def _notify(self, tenant_id: str) -> None:
        event = self._changed.pop(tenant_id, None)
        if event is not None:
            event.set()

    # -- readers (event loop) ------------------------------------------------------------------------------
    async def wait_changed(self, tenant_id: str, timeout_s: float) -> bool:
        event = self._changed.setdefault(tenant_id, asyncio.Event())
        try:
            await asyncio.wait_for(event.wait(), timeout_s)
            return True
        except TimeoutError:
            return False

    def get(self, tenant_id: str, conversation_id: str) -> ConversationView | None:
        with self._lock:
            conv = self._convs.get((tenant_id, conversation_id))
            if conv is None:
                return None
            copy = ConversationView(conversation_id=conv.conversation_id, state=conv.state, summary=conv.summary,
                                    suggestions=conv.suggestions, transcript=deque(conv.transcript),
                                    latest_customer_turn=conv.latest_customer_turn)
            return copy

    def queue(self, tenant_id: str) -> list[dict[str, Any]]:
        with self._lock:
            held = [c for (t, _), c in self._convs.items()
                    if t == tenant_id and c.state is not None and c.state.state in ("queued", "with_agent")]
            items = [queue_item(c) for c in held]
        far_past = datetime.min.replace(tzinfo=UTC).isoformat()
        items.sort(key=lambda i: (-PRIORITY_RANK.get(i["priority"] or "normal", 1), i["waiting_since"] or far_past))
        return items

    def live(self, tenant_id: str, limit: int = 200) -> list[dict[str, Any]]:
        """The supervisor's view: conversations that were handed off and are not closed, newest first."""
        with self._lock:
            convs = [c for (t, _), c in reversed(self._convs.items())
                     if t == tenant_id and c.state is not None and c.state.state != "closed"][:limit]
            return [supervisor_item(c) for c in convs]

    async def send(self, command: AgentCommand) -> None:
        self._before_send()
        await self.producer.send(Topics.AGENT_COMMANDS, serde.serialize(command),
                                 key=command.conversation_id.encode(), headers=inject_headers())


def queue_item(conv: ConversationView) -> dict[str, Any]:
    state = conv.state
    assert state is not None
    return {
        "conversation_id": conv.conversation_id,
        "state": state.state,
        "reason": state.reason,
        "priority": state.priority or "normal",
        "summary": state.summary or "",
        "emotion": state.emotion,
        "waiting_since": state.waiting_since.isoformat() if state.waiting_since else None,
        "claimed_by": conv.holder,
        "queue": state.queue,
        "answer_by": state.answer_by.isoformat() if state.answer_by else None,
    }


def supervisor_item(conv: ConversationView) -> dict[str, Any]:
    state = conv.state
    assert state is not None
    waited = (datetime.now(UTC) - state.waiting_since).total_seconds() if state.waiting_since else None
    return {
        "conversation_id": conv.conversation_id,
        "state": state.state,
        "agent_id": conv.holder,
        "reason": state.reason,
        "priority": state.priority or "normal",
        "emotion": state.emotion,
        "sentiment_trend": list(state.sentiment_trend),
        "escalated": state.escalated or state.reason == "escalation",
        "waiting_s": round(waited, 1) if waited is not None else None,
    }
