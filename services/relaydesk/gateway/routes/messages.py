"""Messages in, replies out."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.sse import EventSourceResponse, ServerSentEvent
from opentelemetry.trace import SpanKind

from relaydesk.common import serde
from relaydesk.common.topics import Topics
from relaydesk.common.tracing import current_trace_id, inject_headers, tracer
from relaydesk.events import ConversationTurn
from relaydesk.events.envelope import CONVERSATION_ID_PATTERN
from relaydesk.gateway import metrics
from relaydesk.gateway.deps import Context, Tenant
from relaydesk.gateway.schemas import ConversationItems, MessageAccepted, MessageIn

router = APIRouter(prefix="/v1", tags=["conversations"])


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
    conversation_id: str,
    tenant: Tenant,
    ctx: Context,
    after: Annotated[int, Query(ge=0, description="return items with seq greater than this")] = 0,
    wait: Annotated[float, Query(ge=0, le=60, description="long-poll: seconds to wait for a first item")] = 25.0,
    turn_id: Annotated[str | None, Query(description="wait for the final reply to this turn")] = None,
) -> ConversationItems:
    """Long-poll for what the conversation received: partial tokens, retractions, replies and hand-offs."""
    _check_conversation_id(conversation_id)
    wait = min(wait, ctx.settings.reply_wait_max_s)
    if turn_id is not None:
        item = await ctx.hub.wait_reply(tenant, conversation_id, turn_id, wait)
        items = [item] if item else []
    else:
        items = await ctx.hub.wait(tenant, conversation_id, after, wait)
    return ConversationItems(items=[i.as_json() for i in items], next=items[-1].seq if items else after)


@router.get("/conversations/{conversation_id}/events", response_class=EventSourceResponse)
async def stream_events(
    conversation_id: str,
    request: Request,
    tenant: Tenant,
    ctx: Context,
    after: Annotated[int, Query(ge=0)] = 0,
) -> AsyncIterator[ServerSentEvent]:
    """Server-sent events: `partial` (token deltas while generating), `retract` (withdraw the streamed text),
    `end`, `reply` (the final reply, after compliance) and `handoff`."""
    _check_conversation_id(conversation_id)
    last = int(request.headers.get("last-event-id", after) or after)
    while not await request.is_disconnected():
        for item in await ctx.hub.wait(tenant, conversation_id, last, 15.0):
            last = item.seq
            yield ServerSentEvent(data=item.data, event=item.kind, id=str(item.seq))


def _check_conversation_id(conversation_id: str) -> None:
    import re

    if not re.match(CONVERSATION_ID_PATTERN, conversation_id):
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail="conversation_id has an invalid format")
