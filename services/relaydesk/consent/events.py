"""Between `consent.event` records on the topic and the ledger's `Entry` values, and from API/import input to
events with deterministic ids (the same request twice is one event)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from relaydesk.consent.ledger import Entry
from relaydesk.consent.numbers import normalise, phone_hash
from relaydesk.events.consent import ConsentEvent
from relaydesk.events.ids import content_id


def entry_from_event(event: ConsentEvent) -> Entry:
    # Contact records and registry listings hold whenever asked, as ledger lines without `at` do.
    at = None if event.kind in ("contact", "registry_listing") else event.at
    return Entry(
        kind=event.kind,
        tenant=event.tenant_id,
        phone_hash=event.phone_hash,
        at=at,
        phone=event.phone,
        region=event.region,
        tz=event.tz,
        written=event.written,
        scope=frozenset(event.scope),
        campaign_id=event.campaign_id,
        outcome=event.outcome,
        attributes={str(k): str(v) for k, v in event.attributes.items()},
        source=event.source,
        detail=event.detail,
        event_id=event.event_id,
    )


def consent_event(
    tenant: str,
    kind: str,
    at: datetime,
    phone: str | None = None,
    *,
    source: str = "api",
    event_id: str | None = None,
    **fields: Any,
) -> ConsentEvent:
    """A ledger event from API or import input. The raw number is kept only on contact records."""
    hashed = phone_hash(tenant, phone) if phone else None
    canonical = (normalise(phone) or phone) if phone else None
    identity = content_id("consent", tenant, kind, hashed, at.isoformat(), fields.get("campaign_id"),
                          fields.get("written"), ",".join(sorted(fields.get("scope") or [])),
                          fields.get("attempt_id"), fields.get("outcome"))
    return ConsentEvent(
        event_id=event_id or identity,
        tenant_id=tenant,
        kind=kind,  # type: ignore[arg-type]
        at=at,
        phone_hash=hashed,
        phone=canonical if kind == "contact" else None,
        source=source,  # type: ignore[arg-type]
        **fields,
    )
