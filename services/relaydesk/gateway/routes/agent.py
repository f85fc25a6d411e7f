"""The agent API: the tenant's hand-off queue, claiming a conversation, its redacted transcript, assist's
suggestions, the agent's messages (checked by compliance like the bot's) and release.

Scoped to the caller's tenant: another tenant's conversation is unknown here (404), never forbidden, so its
existence does not leak. State changes are commands to the `conversations` processor, which owns the state;
claim and release wait (briefly) for the new state to come back, so the answer says what actually happened."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.sse import EventSourceResponse, ServerSentEvent
from pydantic import BaseModel, Field, field_validator

from relaydesk.events import AgentCommand
from relaydesk.events.agent import AGENT_ID_PATTERN, AGENT_TEXT_MAX_CHARS, agent_reply_id
from relaydesk.events.envelope import CONVERSATION_ID_PATTERN
from relaydesk.events.ids import content_id
from relaydesk.gateway.agent_view import AgentView, ConversationView
from relaydesk.gateway.deps import Context, Tenant

router = APIRouter(prefix="/v1/agent", tags=["agents"])

STATE_WAIT_S = 10.0


class ClaimIn(BaseModel):
    agent_id: str = Field(pattern=AGENT_ID_PATTERN)


class MessageIn(BaseModel):
    agent_id: str = Field(pattern=AGENT_ID_PATTERN)
    text: str = Field(min_length=1, max_length=AGENT_TEXT_MAX_CHARS)
    # Optional idempotency key: the same message_id sent twice is one message.
    message_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9._:-]{1,64}$")

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text is empty")
        return value


class ReleaseIn(BaseModel):
    to: Literal["bot", "closed"]
    agent_id: str | None = Field(default=None, pattern=AGENT_ID_PATTERN)


def _view(ctx: Any) -> AgentView:
    if ctx.agents is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail="agent view not started")
    view: AgentView = ctx.agents
    return view


def _conversation(view: AgentView, tenant: str, conversation_id: str) -> ConversationView:
    if not re.match(CONVERSATION_ID_PATTERN, conversation_id):
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail="conversation_id has an invalid format")
    conv = view.get(tenant, conversation_id)
    if conv is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="unknown conversation")
    return conv


async def _await_state(
    view: AgentView, tenant: str, conversation_id: str, done: Callable[[ConversationView], bool]
) -> ConversationView | None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STATE_WAIT_S
    while True:
        conv = view.get(tenant, conversation_id)
        if conv is not None and done(conv):
            return conv
        remaining = deadline - loop.time()
        if remaining <= 0:
            return None
        await view.wait_changed(tenant, min(remaining, 0.5))


def _state_body(conv: ConversationView) -> dict[str, Any]:
    return {"conversation_id": conv.conversation_id, "state": conv.state_name, "agent_id": conv.holder,
            "revision": conv.state.revision if conv.state else 0}


@router.get("/queue")
async def get_queue(tenant: Tenant, ctx: Context) -> dict[str, Any]:
    """Conversations waiting for or held by an agent, highest priority first, then longest waiting."""
    return {"items": _view(ctx).queue(tenant)}


@router.get("/supervisor")
async def get_supervisor(tenant: Tenant, ctx: Context) -> dict[str, Any]:
    """Live handed-off conversations with their emotion trend, escalations and waiting times."""
    items = _view(ctx).live(tenant)
    waits = [i["waiting_s"] for i in items if i["state"] == "queued" and i["waiting_s"] is not None]
    return {
        "items": items,
        "queued": sum(1 for i in items if i["state"] == "queued"),
        "with_agent": sum(1 for i in items if i["state"] == "with_agent"),
        "escalations": sum(1 for i in items if i["escalated"]),
        "longest_wait_s": max(waits) if waits else None,
    }


@router.post("/conversations/{conversation_id}/claim", status_code=status.HTTP_200_OK)
async def claim(conversation_id: str, body: ClaimIn, tenant: Tenant, ctx: Context) -> dict[str, Any]:
    view = _view(ctx)
    conv = _conversation(view, tenant, conversation_id)
    if conv.state_name == "with_agent" and conv.holder == body.agent_id:
        return _with_summary(_state_body(conv), conv)
    if conv.state_name != "queued":
        detail = "held by another agent" if conv.state_name == "with_agent" else f"not in the queue ({conv.state_name})"
        raise HTTPException(status.HTTP_409_CONFLICT, detail=detail)
    command = AgentCommand(tenant_id=tenant, conversation_id=conversation_id, command="claim", agent_id=body.agent_id)
    await view.send(command)
    done = await _await_state(view, tenant, conversation_id, lambda c: c.state_name != "queued")
    if done is None:
        raise HTTPException(status.HTTP_504_GATEWAY_TIMEOUT, detail="the claim was sent but not confirmed in time")
    if done.holder != body.agent_id:
        raise HTTPException(status.HTTP_409_CONFLICT, detail="held by another agent")
    # The running summary is made with the claim; give it a moment to arrive with it.
    await _await_state(view, tenant, conversation_id, lambda c: c.summary is not None)
    return _with_summary(_state_body(view.get(tenant, conversation_id) or done), view.get(tenant, conversation_id))


def _with_summary(body: dict[str, Any], conv: ConversationView | None) -> dict[str, Any]:
    body["summary"] = summary_view(conv)
    return body


def summary_view(conv: ConversationView | None) -> dict[str, Any] | None:
    if conv is None or conv.summary is None:
        return None
    s = conv.summary
    return {"kind": s.kind, "reason_for_contact": s.reason_for_contact, "actions": s.actions,
            "open_items": s.open_items, "intents": s.intents}


@router.get("/conversations/{conversation_id}")
async def get_conversation(conversation_id: str, tenant: Tenant, ctx: Context) -> dict[str, Any]:
    """The redacted transcript (customer turns as the guard left them, replies as compliance let them out),
    each entry with its annotations, and the hand-off's context."""
    conv = _conversation(_view(ctx), tenant, conversation_id)
    state = conv.state
    return {
        **_state_body(conv),
        "reason": state.reason if state else None,
        "priority": state.priority if state else None,
        "handoff_summary": state.summary if state else None,
        "emotion": state.emotion if state else None,
        "sentiment_trend": list(state.sentiment_trend) if state else [],
        "summary": summary_view(conv),
        "latest_customer_turn": conv.latest_customer_turn,
        "transcript": list(conv.transcript),
    }


@router.get("/conversations/{conversation_id}/suggestions")
async def get_suggestions(
    conversation_id: str,
    tenant: Tenant,
    ctx: Context,
    wait: Annotated[float, Query(ge=0, le=30, description="seconds to wait for suggestions to the latest turn")] = 0,
) -> dict[str, Any]:
    """Suggestions for the customer's latest turn only (never a stale set for an earlier turn): grounded draft
    replies and the knowledge cards behind them."""
    view = _view(ctx)
    conv = _conversation(view, tenant, conversation_id)

    def fresh(c: ConversationView) -> bool:
        return c.suggestions is not None and c.suggestions.turn_id == c.latest_customer_turn

    if not fresh(conv) and wait > 0:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while not fresh(conv) and loop.time() < deadline:
            await view.wait_changed(tenant, min(0.5, max(0.0, deadline - loop.time())))
            conv = view.get(tenant, conversation_id) or conv
    if not fresh(conv):
        return {"turn_id": conv.latest_customer_turn, "items": []}
    assert conv.suggestions is not None
    return {
        "turn_id": conv.suggestions.turn_id,
        "items": [
            {"text": s.text, "kind": s.kind, "sources": [{"doc_id": x.doc_id, "title": x.title} for x in s.sources]}
            for s in conv.suggestions.items
        ],
    }


@router.post("/conversations/{conversation_id}/messages", status_code=status.HTTP_202_ACCEPTED)
async def post_message(conversation_id: str, body: MessageIn, tenant: Tenant, ctx: Context) -> dict[str, Any]:
    """The agent's words to the customer. They go through the same outbound compliance as the bot's (PII
    masked, forbidden claims blocked, audit written) and arrive on the conversation's replies with
    `speaker: "agent"`."""
    view = _view(ctx)
    conv = _conversation(view, tenant, conversation_id)
    if conv.state_name != "with_agent" or conv.holder != body.agent_id:
        raise HTTPException(status.HTTP_409_CONFLICT, detail="the conversation is not held by this agent")
    event_id = (content_id("agent-message", tenant, conversation_id, body.agent_id, body.message_id)
                if body.message_id else uuid.uuid4().hex)
    command = AgentCommand(
        event_id=event_id, tenant_id=tenant, conversation_id=conversation_id, command="message",
        agent_id=body.agent_id, text=body.text, turn_id=conv.latest_customer_turn,
    )
    await view.send(command)
    return {"conversation_id": conversation_id, "message_id": event_id, "reply_id": agent_reply_id(event_id),
            "turn_id": conv.latest_customer_turn}


@router.post("/conversations/{conversation_id}/release")
async def release(conversation_id: str, body: ReleaseIn, tenant: Tenant, ctx: Context) -> dict[str, Any]:
    """Back to the bot, or closed (which produces the final summary)."""
    view = _view(ctx)
    conv = _conversation(view, tenant, conversation_id)
    if conv.state_name not in ("queued", "with_agent"):
        raise HTTPException(status.HTTP_409_CONFLICT, detail=f"not held ({conv.state_name})")
    holder = conv.holder
    if body.agent_id is not None and holder is not None and body.agent_id != holder:
        raise HTTPException(status.HTTP_409_CONFLICT, detail="held by another agent")
    agent_id = holder or body.agent_id or "supervisor"
    revision = conv.state.revision if conv.state else 0
    command = AgentCommand(tenant_id=tenant, conversation_id=conversation_id, command="release",
                           agent_id=agent_id, to=body.to)
    await view.send(command)
    done = await _await_state(view, tenant, conversation_id,
                              lambda c: c.state is not None and c.state.revision > revision
                              and c.state_name not in ("queued", "with_agent"))
    if done is None:
        raise HTTPException(status.HTTP_504_GATEWAY_TIMEOUT, detail="the release was sent but not confirmed in time")
    return _state_body(done)


@router.get("/events", response_class=EventSourceResponse)
async def events(request: Request, tenant: Tenant, ctx: Context) -> AsyncIterator[ServerSentEvent]:
    """Server-sent events for the console: `changed` whenever the tenant's queue, a held conversation, its
    summary or its suggestions change (clients then fetch what they show), and a `ping` every 15 s."""
    view = _view(ctx)
    yield ServerSentEvent(data={"tenant": tenant}, event="changed")
    while not await request.is_disconnected():
        changed = await view.wait_changed(tenant, 15.0)
        yield ServerSentEvent(data={}, event="changed" if changed else "ping")
