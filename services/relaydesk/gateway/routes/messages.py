"""Messages in, replies out."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Path, Query, Request, status
from fastapi.sse import EventSourceResponse, ServerSentEvent
from opentelemetry.trace import SpanKind

from relaydesk.common import serde
from relaydesk.common.topics import Topics
from relaydesk.common.tracing import current_trace_id, inject_headers, tracer
from relaydesk.events import ConversationTurn
from relaydesk.events.envelope import CONVERSATION_ID_PATTERN
from relaydesk.gateway import metrics
from relaydesk.gateway.cursor import CURSOR_MAX_LENGTH, CURSOR_PATTERN, Cursor
from relaydesk.gateway.deps import Context, Tenant
from relaydesk.gateway.hub import Item, TooManyWaiters
from relaydesk.gateway.schemas import ConversationItems, MessageAccepted, MessageIn

router = APIRouter(prefix="/v1", tags=["conversations"])

# Validated by FastAPI before the handler runs, so a bad id is a 422 before any event stream starts.
ConversationIdPath = Annotated[str, Path(pattern=CONVERSATION_ID_PATTERN, max_length=128)]
CursorText = Annotated[
    str,
    Query(
        pattern=CURSOR_PATTERN,
        max_length=CURSOR_MAX_LENGTH,
        description="the `next` (or an item's `cursor`) of an earlier answer; `0`: from the start. Opaque, and "
        "the same on every gateway replica and across restarts.",
    ),
]


@router.post("/messages", status_code=status.HTTP_202_ACCEPTED, response_model=MessageAccepted)
async def post_message(body: MessageIn, tenant: Tenant, ctx: Context) -> MessageAccepted:
    """Accept one turn of a conversation. The reply arrives on the conversation's replies endpoint."""
    conversation_id = body.conversation_id or f"c-{uuid.uuid4().hex[:16]}"
    turn_id = body.turn_id or f"t-{uuid.uuid4().hex[:12]}"
    with tracer().start_as_current_span("gateway message", kind=SpanKind.SERVER) as span:
        turn = ConversationTurn(
            tenant_id=tenant,
            conversation_id=conversation_id,
            turn_id=turn_id,
            channel=body.channel,
            speaker=body.speaker,
            text=body.text,
            lang=body.lang,
            customer_ref=body.customer_ref,
        )
        span.set_attributes(
            {"relaydesk.tenant_id": tenant, "relaydesk.event_id": turn.event_id, "relaydesk.turn_id": turn_id}
        )
        started = time.perf_counter()
        ctx.expect_replies()  # the reply view reads at the fast pace before the reply can come
        with tracer().start_as_current_span(f"send {Topics.TURNS_RAW}", kind=SpanKind.PRODUCER):
            await ctx.producer.send(
                Topics.TURNS_RAW, serde.serialize(turn), key=conversation_id.encode(), headers=inject_headers()
            )
        metrics.PRODUCE_SECONDS.labels("message").observe(time.perf_counter() - started)
        metrics.MESSAGES.labels(tenant, body.channel).inc()
        return MessageAccepted(
            event_id=turn.event_id, trace_id=current_trace_id(), conversation_id=conversation_id, turn_id=turn_id
        )


@router.get("/conversations/{conversation_id}/replies", response_model=ConversationItems)
async def get_replies(
    conversation_id: ConversationIdPath,
    tenant: Tenant,
    ctx: Context,
    after: CursorText = "0",
    wait: Annotated[float, Query(ge=0, le=60, description="long-poll: seconds to wait for a first item")] = 25.0,
    turn_id: Annotated[
        str | None, Query(min_length=1, max_length=64, description="wait for the final reply to this turn")
    ] = None,
) -> ConversationItems:
    """Long-poll for what the conversation received: partial tokens, retractions, replies and hand-offs. Each
    item carries the cursor to resume after it; `next` is the cursor after the last one."""
    cursor = Cursor.parse(after)
    wait = min(wait, ctx.settings.reply_wait_max_s)
    try:
        if turn_id is not None:
            item = await ctx.hub.wait_reply(tenant, conversation_id, turn_id, wait)
            items = [item] if item else []
        else:
            items = await ctx.hub.wait(tenant, conversation_id, cursor, wait)
    except TooManyWaiters:
        raise _too_many_waiting(tenant) from None
    views, cursor = _with_cursors(items, cursor)
    return ConversationItems(items=views, next=cursor.encode())


@router.get("/conversations/{conversation_id}/events", response_class=EventSourceResponse)
async def stream_events(
    conversation_id: ConversationIdPath,
    request: Request,
    tenant: Tenant,
    ctx: Context,
    after: CursorText = "0",
    last_event_id: Annotated[
        str | None,
        Header(
            alias="last-event-id",
            pattern=CURSOR_PATTERN,
            max_length=CURSOR_MAX_LENGTH,
            description="sent by an EventSource that reconnects: the id of the last event it received",
        ),
    ] = None,
) -> AsyncIterator[ServerSentEvent]:
    """Server-sent events: `partial` (token deltas while generating), `retract` (withdraw the streamed text),
    `end`, `reply` (the final reply, after compliance) and `handoff`. Each event's id is the cursor after it, so
    a reconnecting client resumes where it was, on any gateway replica."""
    cursor = Cursor.parse(last_event_id if last_event_id is not None else after)
    if ctx.hub.waiting_for(tenant) >= ctx.settings.waiters_per_tenant:
        raise _too_many_waiting(tenant)
    while not await request.is_disconnected():
        try:
            items = await ctx.hub.wait(tenant, conversation_id, cursor, 15.0)
        except TooManyWaiters:
            return  # the stream ends; the client's EventSource reconnects with its Last-Event-ID
        for item in items:
            cursor = cursor.advanced([item.position])
            yield ServerSentEvent(data=item.data, event=item.kind, id=cursor.encode())


def _with_cursors(items: list[Item], cursor: Cursor) -> tuple[list[dict[str, object]], Cursor]:
    views = []
    for item in items:
        cursor = cursor.advanced([item.position])
        views.append(item.as_json(cursor))
    return views, cursor


def _too_many_waiting(tenant: str) -> HTTPException:
    metrics.WAIT_REFUSED.labels(tenant).inc()
    return HTTPException(
        status.HTTP_429_TOO_MANY_REQUESTS,
        detail="too many long-polls or streams open for this tenant",
        headers={"Retry-After": "1"},
    )
