"""A conversation's transcript as QA keeps it between events: a plain, JSON-able dict (it lives in a Faust
table, changelogged), built from the events already on the topics and turned into a `Conversation` to score.

Every item is keyed by the id of what it records (the customer turn's id, the reply's id), so a redelivered
event replaces its item instead of adding one; hand-offs and compliance findings that arrive before their
reply wait for it. A transcript holds at most `max_items` items (the oldest go first).
"""

from __future__ import annotations

from typing import Any

from relaydesk.events import ComplianceAudit, Envelope, Handoff, Reply, TurnAnnotated
from relaydesk.qa.conversation import Conversation, Turn

Transcript = dict[str, Any]
MAX_SOURCE_CHARS = 600


def new_transcript(event: Envelope) -> Transcript:
    return {
        "tenant_id": event.tenant_id,
        "conversation_id": event.conversation_id,
        "items": {},
        "pending_handoffs": [],
        "pending_findings": {},
        "last_event_id": "",
        "last_seen": 0.0,
        "events": 0,
        "scored_for": None,
        "lang": None,
        "outbound": False,
    }


def _item(speaker: str, text: str, at: str, **extra: Any) -> dict[str, Any]:
    kept = {k: v for k, v in extra.items() if v not in (None, [], False)}
    return {"speaker": speaker, "text": text, "at": at, **kept}


def apply_event(t: Transcript, event: Envelope, now: float, max_items: int = 200) -> bool:
    """Fold `event` into `t`. Returns False for an event QA does not record (nothing changes then)."""
    items: dict[str, Any] = t["items"]
    if isinstance(event, TurnAnnotated):
        turn = event.turn
        sources = [h.text[:MAX_SOURCE_CHARS] for h in (event.retrieval.hits[:3] if event.retrieval else [])]
        items[f"t:{turn.turn_id}"] = _item(
            turn.speaker,
            turn.text,
            event.received_at.isoformat(),
            emotion=event.emotion.label if event.emotion else None,
            intent=event.intent.label if event.intent else None,
            sources=sources,
        )
        t["lang"] = t["lang"] or turn.lang
        t["outbound"] = t["outbound"] or turn.channel == "outbound"
    elif isinstance(event, Reply):
        key = f"r:{event.reply_id}"
        findings = sorted({f.rule_id for f in event.compliance.findings} | set(t["pending_findings"].pop(key, [])))
        handoff = event.handoff or key in t["pending_handoffs"]
        if key in t["pending_handoffs"]:
            t["pending_handoffs"].remove(key)
        items[key] = _item(
            event.speaker or "bot", event.text, event.occurred_at.isoformat(), handoff=handoff, findings=findings
        )
    elif isinstance(event, Handoff):
        if not event.reply_id:
            return False
        key = f"r:{event.reply_id}"
        if key in items:
            items[key]["handoff"] = True
        elif key not in t["pending_handoffs"]:
            t["pending_handoffs"] = (t["pending_handoffs"] + [key])[-20:]
    elif isinstance(event, ComplianceAudit):
        if event.direction != "outbound" or not event.reply_id or not event.findings:
            return False
        key = f"r:{event.reply_id}"
        rules = sorted({f.rule_id for f in event.findings})
        if key in items:
            items[key]["findings"] = sorted(set(items[key].get("findings", [])) | set(rules))
        else:
            pending = dict(t["pending_findings"])
            pending[key] = rules
            t["pending_findings"] = dict(list(pending.items())[-20:])
    else:
        return False
    if len(items) > max_items:
        for key in sorted(items, key=lambda k: items[k]["at"])[: len(items) - max_items]:
            del items[key]
    t["last_event_id"] = event.event_id
    t["last_seen"] = now
    t["events"] = int(t["events"]) + 1
    return True


def to_conversation(t: Transcript, company: str | None = None) -> Conversation:
    ordered = sorted(t["items"].values(), key=lambda i: (i["at"], i["speaker"] != "customer"))
    turns = tuple(
        Turn(
            speaker=i["speaker"],
            text=i["text"],
            emotion=i.get("emotion"),
            intent=i.get("intent"),
            handoff=bool(i.get("handoff", False)),
            findings=tuple(i.get("findings", ())),
            sources=tuple(i.get("sources", ())),
        )
        for i in ordered
    )
    return Conversation(
        conversation_id=str(t["conversation_id"]),
        turns=turns,
        direction="outbound" if t.get("outbound") else "inbound",
        channel="outbound" if t.get("outbound") else "webchat",
        lang=t.get("lang"),
        tenant_id=t.get("tenant_id"),
        company=company,
    )
