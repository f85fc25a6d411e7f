"""Builders for the conversations unit tests: hand-offs, agent commands, annotated customer turns."""

from __future__ import annotations

from datetime import UTC, datetime

from relaydesk.events import AgentCommand, EmotionAnnotation, Handoff, IntentAnnotation, TurnAnnotated, TurnBody

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday, 10:00 UTC


def handoff(conversation_id: str = "c-1", reason: str = "customer_request", **changes: object) -> Handoff:
    fields: dict[str, object] = dict(
        tenant_id="acme", conversation_id=conversation_id, turn_id="t-1", reply_id="r-1", reason=reason,
        summary="The customer asked for a person.", intent="complaint", emotion="anger", language="en",
        sentiment_trend=[-0.2, -0.6], intents=["complaint", "human_agent"], occurred_at=NOW,
        event_id=f"h-{conversation_id}-{reason}",
    )
    fields.update(changes)
    return Handoff(**fields)  # type: ignore[arg-type]


def command(command: str, agent: str = "ana", conversation_id: str = "c-1", n: int = 1, **changes: object) -> AgentCommand:
    fields: dict[str, object] = dict(
        tenant_id="acme", conversation_id=conversation_id, command=command, agent_id=agent,
        event_id=f"cmd-{command}-{agent}-{n}-{conversation_id}", occurred_at=NOW,
    )
    fields.update(changes)
    return AgentCommand(**fields)  # type: ignore[arg-type]


def customer_turn(turn_id: str = "t-2", conversation_id: str = "c-1", sentiment: float = -0.3) -> TurnAnnotated:
    return TurnAnnotated(
        tenant_id="acme", conversation_id=conversation_id, event_id=f"turn-{turn_id}-{conversation_id}",
        turn=TurnBody(turn_id=turn_id, channel="webchat", speaker="customer", text="Where is my refund?"),
        received_at=NOW,
        intent=IntentAnnotation(label="refund_status", confidence=0.8),
        emotion=EmotionAnnotation(label="sadness", sentiment=sentiment, escalate=False),
    )
