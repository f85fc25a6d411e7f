"""Deterministic event ids: an event's id is derived from the event that caused it and the stage that made it.

A redelivered input then yields outputs with the same ids, so every consumer can dedupe by `event_id`
(replies, hand-offs, partial streams, audit and review records, QA scores, consent events, dial decisions).
Use `derived_id(cause_id, stage, *parts)` wherever an event is made from another one; `parts` tell apart
several outputs of one stage for one cause (for example a partial's sequence number, or "audit"/"review").
"""

from __future__ import annotations

import uuid

_NS = uuid.UUID("2b8f0e51-7c3a-4d6e-9f14-6a0b5c9d3e72")


def derived_id(cause_id: str, stage: str, *parts: object) -> str:
    """A 32-hex-digit id, the same for the same (cause, stage, parts) on every replica and every redelivery."""
    name = "/".join([stage, cause_id, *(str(p) for p in parts)])
    return uuid.uuid5(_NS, name).hex


def content_id(kind: str, *parts: object) -> str:
    """An id for an event with no causing event (an API call, an import row): derived from what it says,
    so the same request submitted twice is one event."""
    return uuid.uuid5(_NS, "/".join([kind, *(str(p) for p in parts)])).hex


def partial_id(reply_id: str, seq: int) -> str:
    """A streamed partial's id: one per (reply, sequence number), whichever stage or replica emits it."""
    return derived_id(reply_id, "partial", seq)


def handoff_id(reply_id: str) -> str:
    """A hand-off's id comes from the turn (its reply id is derived from the conversation and turn), so the
    generation and compliance stages, on any redelivery, agree on one hand-off per turn."""
    return derived_id(reply_id, "handoff")
