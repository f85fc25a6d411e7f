"""Summaries an agent reads on claim (running) and that close a conversation (final): the reason for contact,
what was done, and what is still open. Built from the conversation record, which holds redacted facts only."""

from __future__ import annotations

from typing import Any

REASON_TEXT: dict[str, str] = {
    "customer_request": "The customer asked for a person",
    "escalation": "Escalated on the customer's emotion",
    "low_confidence": "The assistant could not answer with confidence",
    "compliance_block": "A drafted reply was blocked by compliance",
    "no_knowledge": "No knowledge-base article answered the question",
    "outbound_transfer": "Transferred from an outbound call",
}


def reason_for_contact(record: dict[str, Any]) -> str:
    reason = REASON_TEXT.get(str(record.get("reason") or ""), "Handed off to a person")
    intents = [i for i in record.get("intents", []) if i != "human_agent"]
    about = f"; about: {', '.join(intents[:3])}" if intents else ""
    return f"{reason}{about}."[:500]


def open_items(record: dict[str, Any], closing: bool) -> list[str]:
    items: list[str] = []
    if record.get("awaiting_agent"):
        items.append("The customer's latest message has no answer yet.")
    trend = record.get("sentiment_trend") or []
    if trend and float(trend[-1]) <= -0.4:
        items.append(f"The customer was still unhappy (sentiment {float(trend[-1]):+.2f}).")
    if closing and not record.get("agent_messages"):
        items.append("No agent replied before the conversation closed.")
    if record.get("compliance_flags"):
        items.append("Check compliance flags: " + ", ".join(record["compliance_flags"][:5]) + ".")
    return items[:20]
