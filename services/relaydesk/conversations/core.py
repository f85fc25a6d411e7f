"""The conversations processor, pure: hand-offs, agents' commands and customer turns in; the conversation's
state, summaries and agents' reply drafts out.

State machine (one record per conversation, in a table):
    bot/closed --handoff--> queued --claim--> with_agent --release(bot)--> bot
                                   \\                    \\--release(closed)--> closed (+ final summary)
                                    \\--release--> bot | closed
A claim by another agent while one holds the conversation, or a message from an agent who does not hold it, is
refused (the gateway answers 409 before producing; this is the authority when two gateways race). Every input
is applied once: its event id is remembered, so a redelivered record changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from relaydesk.conversations.config import ConversationsSettings
from relaydesk.conversations.notices import after_hours_notice
from relaydesk.conversations.routing import HandoffFacts, route
from relaydesk.conversations.summary import open_items, reason_for_contact
from relaydesk.events.agent import AgentCommand, agent_reply_id
from relaydesk.events.conversation import TurnAnnotated
from relaydesk.events.conversation_state import PRIORITY_RANK, ConversationState, ConversationSummary
from relaydesk.events.envelope import Envelope
from relaydesk.events.ids import derived_id
from relaydesk.events.reply import Handoff, ReplyDraft

log = logging.getLogger(__name__)

STAGE = "conversations"
HELD = ("queued", "with_agent")
# Hand-off reasons of v1 in the categories routing uses (when the hand-off carries no category).
_CATEGORY = {
    "customer_request": "customer_request",
    "escalation": "escalation",
    "no_knowledge": "no_knowledge",
    "generation_failed": "low_confidence",
    "attack": "compliance_block",
    "blocked_reply": "compliance_block",
}


class ConversationStore(Protocol):
    def get(self, conversation_id: str) -> dict[str, Any] | None: ...

    def put(self, conversation_id: str, record: dict[str, Any]) -> None: ...


class InMemoryStore:
    def __init__(self) -> None:
        self.rows: dict[str, dict[str, Any]] = {}

    def get(self, conversation_id: str) -> dict[str, Any] | None:
        return self.rows.get(conversation_id)

    def put(self, conversation_id: str, record: dict[str, Any]) -> None:
        self.rows[conversation_id] = record


@dataclass
class ConversationsDeps:
    store: ConversationStore = field(default_factory=InMemoryStore)
    settings: ConversationsSettings = field(default_factory=ConversationsSettings)
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))


def handle(event: Envelope, deps: ConversationsDeps) -> list[Envelope]:
    conversation_id = event.conversation_id
    if conversation_id is None:
        return []
    record = deps.store.get(conversation_id)
    record = dict(record) if record else {"state": "bot", "revision": 0}
    if event.event_id in record.get("seen", []):
        return []  # a redelivery: applied already
    if isinstance(event, Handoff):
        out = _on_handoff(event, record, deps)
    elif isinstance(event, AgentCommand):
        out = _on_command(event, record, deps)
    elif isinstance(event, TurnAnnotated):
        out = _on_turn(event, record, deps)
    else:
        return []
    record["seen"] = [*record.get("seen", []), event.event_id][-deps.settings.seen_keep :]
    deps.store.put(conversation_id, record)
    return out


# --- hand-offs --------------------------------------------------------------------------------------------


def _on_handoff(event: Handoff, record: dict[str, Any], deps: ConversationsDeps) -> list[Envelope]:
    category = event.category or _CATEGORY.get(event.reason, "customer_request")
    _merge_context(record, event, deps)
    if record["state"] in HELD:
        # Already with the team: a second hand-off (the blocked reply after the request, say) only raises
        # the priority.
        if PRIORITY_RANK.get(event.priority, 1) <= PRIORITY_RANK.get(str(record.get("priority")), 1):
            return []
        record["priority"] = event.priority
        return [_state(event, record, deps)]
    trend = record.get("sentiment_trend") or []
    facts = HandoffFacts(category=category, priority=event.priority, language=event.language,
                         sentiment=float(trend[-1]) if trend else None)
    hours = deps.settings.office_hours.get(event.tenant_id)
    now = deps.now()
    routed = route(facts, hours, now)
    record.update(
        state="queued", agent_id=None, reason=category, handoff_reason=event.reason, priority=routed.priority,
        queue=routed.queue, waiting_since=event.occurred_at.isoformat(), language=event.language,
        summary=event.summary, answer_by=routed.answer_by.isoformat() if routed.answer_by else None,
        awaiting_agent=True, agent_messages=0,
    )
    _act(record, f"Handed off ({category}) to queue {routed.queue}", deps)
    out: list[Envelope] = [_state(event, record, deps)]
    if not routed.open and hours is not None and routed.answer_by is not None:
        text = after_hours_notice(event.language, hours.describe(), routed.answer_by, hours.tz)
        out.append(_draft(event, record, text, "bot", derived_id(event.event_id, STAGE, "after-hours"),
                          event.turn_id, event.occurred_at))
    log.info("conversation queued", extra={"conversation_id": event.conversation_id, "queue": routed.queue,
                                           "priority": routed.priority, "open": routed.open})
    return out


def _merge_context(record: dict[str, Any], event: Handoff, deps: ConversationsDeps) -> None:
    keep = deps.settings.trend_keep
    if event.sentiment_trend:
        record["sentiment_trend"] = [round(float(x), 4) for x in event.sentiment_trend][-keep:]
    if event.emotion:
        record["emotion"] = event.emotion
    intents = [event.intent] if event.intent else []
    record["intents"] = list(dict.fromkeys([*record.get("intents", []), *intents, *event.intents]))[:10]
    record["cited_docs"] = list(dict.fromkeys([*record.get("cited_docs", []), *event.cited_docs]))[:10]
    record["compliance_flags"] = sorted({*record.get("compliance_flags", []), *event.compliance_flags})[:20]
    record["last_turn_id"] = event.turn_id


# --- agents -----------------------------------------------------------------------------------------------


def _on_command(cmd: AgentCommand, record: dict[str, Any], deps: ConversationsDeps) -> list[Envelope]:
    state, holder = record["state"], record.get("agent_id")
    if cmd.command == "claim":
        if state == "with_agent" and holder == cmd.agent_id:
            return []
        if state != "queued":
            return _refused(cmd, "claim", state)
        record.update(state="with_agent", agent_id=cmd.agent_id)
        _act(record, f"Claimed by agent {cmd.agent_id}", deps)
        return [_state(cmd, record, deps), _summary(cmd, record, "running")]
    if cmd.command == "release":
        if state not in HELD or (state == "with_agent" and holder != cmd.agent_id):
            return _refused(cmd, "release", state)
        target = cmd.to or "bot"
        record.update(state=target, agent_id=None if target == "bot" else holder)
        _act(record, f"Released to {target} by agent {cmd.agent_id}", deps)
        out: list[Envelope] = [_state(cmd, record, deps)]
        if target == "closed":
            out.append(_summary(cmd, record, "final"))
        record.update(waiting_since=None, answer_by=None, awaiting_agent=False)
        return out
    # message
    if state != "with_agent" or holder != cmd.agent_id or not cmd.text:
        return _refused(cmd, "message", state)
    turn_id = cmd.turn_id or record.get("last_turn_id") or f"agent-{cmd.event_id[:16]}"
    record["agent_messages"] = int(record.get("agent_messages", 0)) + 1
    record["awaiting_agent"] = False
    _act(record, f"Agent {cmd.agent_id} replied", deps)
    draft = _draft(cmd, record, cmd.text, "agent", agent_reply_id(cmd.event_id), turn_id,
                   cmd.occurred_at)
    return [draft, _state(cmd, record, deps)]


def _refused(cmd: AgentCommand, what: str, state: str) -> list[Envelope]:
    log.warning("agent command refused", extra={"conversation_id": cmd.conversation_id, "command": what,
                                                "state": state, "event_id": cmd.event_id})
    return []


# --- customer turns ---------------------------------------------------------------------------------------


def _on_turn(event: TurnAnnotated, record: dict[str, Any], deps: ConversationsDeps) -> list[Envelope]:
    if event.turn.speaker != "customer" or record["state"] not in HELD:
        return []  # the bot's conversations need no record here; the hand-off brings their context
    keep = deps.settings.trend_keep
    record["last_turn_id"] = event.turn.turn_id
    record["customer_turns"] = int(record.get("customer_turns", 0)) + 1
    record["awaiting_agent"] = True
    if event.emotion is not None:
        record["emotion"] = event.emotion.label
        record["sentiment_trend"] = [*record.get("sentiment_trend", []), round(event.emotion.sentiment, 4)][-keep:]
        record["escalated"] = bool(record.get("escalated")) or event.emotion.escalate
    if event.intent is not None:
        record["intents"] = list(dict.fromkeys([*record.get("intents", []), event.intent.label]))[:10]
    return [_state(event, record, deps)]


# --- building events --------------------------------------------------------------------------------------


def _act(record: dict[str, Any], action: str, deps: ConversationsDeps) -> None:
    record["actions"] = [*record.get("actions", []), action][-deps.settings.actions_keep :]


def _state(cause: Envelope, record: dict[str, Any], deps: ConversationsDeps) -> ConversationState:
    record["revision"] = int(record.get("revision", 0)) + 1
    return ConversationState(
        **cause.caused(STAGE, "state"),  # type: ignore[arg-type]
        state=record["state"],
        agent_id=record.get("agent_id"),
        reason=record.get("reason"),
        priority=record.get("priority"),
        revision=record["revision"],
        queue=record.get("queue"),
        waiting_since=record.get("waiting_since") if record["state"] == "queued" else None,
        answer_by=record.get("answer_by") if record["state"] == "queued" else None,
        language=record.get("language"),
        summary=record.get("summary"),
        emotion=record.get("emotion"),
        sentiment_trend=list(record.get("sentiment_trend", []))[-deps.settings.trend_keep :],
        escalated=bool(record.get("escalated")),
        last_turn_id=record.get("last_turn_id"),
    )


def _summary(cause: AgentCommand, record: dict[str, Any], kind: str) -> ConversationSummary:
    return ConversationSummary(
        **cause.caused(STAGE, "summary", kind),  # type: ignore[arg-type]
        kind=kind,  # type: ignore[arg-type]
        reason_for_contact=reason_for_contact(record),
        actions=list(record.get("actions", []))[-20:],
        open_items=open_items(record, closing=kind == "final"),
        intents=list(record.get("intents", []))[:20],
        handoff_reason=record.get("reason"),
        agent_id=cause.agent_id,
        customer_turns=int(record.get("customer_turns", 0)),
        agent_messages=int(record.get("agent_messages", 0)),
    )


def _draft(
    cause: Envelope, record: dict[str, Any], text: str, speaker: str, reply_id: str, turn_id: str,
    received_at: datetime,
) -> ReplyDraft:
    """A reply that did not come from generation: it goes through compliance like every other (PII masked,
    forbidden claims blocked, audit written). Mode `handoff`: a person's words or the hand-off path's notice,
    so the groundedness check that holds the bot to its sources does not apply."""
    return ReplyDraft(
        **cause.caused(STAGE, "draft", reply_id),  # type: ignore[arg-type]
        turn_id=turn_id,
        reply_id=reply_id,
        text=text,
        mode="handoff",
        handoff=False,
        speaker=speaker,  # type: ignore[arg-type]
        received_at=received_at,
    )
