"""Event builders shared by the core tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from relaydesk.events import (
    ConversationTurn,
    IntentAnnotation,
    ReplyDraft,
    RetrievalAnnotation,
    RetrievalHit,
    TenantConfig,
)

KB = [
    RetrievalHit(
        doc_id="returns",
        chunk_id="returns#0",
        title="Returns",
        text="Items can be returned within 30 days for a full refund. Call +1 800 555 0199 or email "
        "help@acme.example. Refunds take 5 business days.",
        score=0.82,
        version=3,
    ),
    RetrievalHit(
        doc_id="shipping", chunk_id="shipping#0", title="Shipping", text="Shipping takes 3 days.", score=0.4, version=1
    ),
]


def draft(text: str, **changes: Any) -> ReplyDraft:
    fields: dict[str, Any] = {
        "tenant_id": "acme",
        "conversation_id": "conv-1",
        "turn_id": "turn-1",
        "reply_id": "reply-1",
        "text": text,
        "mode": "generated",
        "received_at": datetime(2025, 6, 1, tzinfo=UTC),
        "retrieval": RetrievalAnnotation(kb_version=7, query="q", hits=KB),
        "intent": IntentAnnotation(label="refund_request", confidence=0.9),
    }
    fields.update(changes)
    return ReplyDraft(**fields)


def turn(text: str, **changes: Any) -> ConversationTurn:
    fields: dict[str, Any] = {
        "tenant_id": "acme",
        "conversation_id": "conv-1",
        "turn_id": "turn-1",
        "channel": "webchat",
        "speaker": "customer",
        "text": text,
    }
    fields.update(changes)
    return ConversationTurn(**fields)


def tenant_config(revision: int, **changes: Any) -> TenantConfig:
    return TenantConfig(tenant_id="acme", revision=revision, **changes)
