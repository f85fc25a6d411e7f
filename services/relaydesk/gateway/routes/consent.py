"""The consent ledger over HTTP: append events, and ask whether a number is callable (tenant-scoped)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, ConfigDict, Field

from relaydesk.common import serde
from relaydesk.common.topics import Topics
from relaydesk.consent.events import consent_event
from relaydesk.events import utcnow
from relaydesk.gateway.deps import Context, Tenant

router = APIRouter(prefix="/v1", tags=["consent"])

Kind = Literal["contact", "consent", "revocation", "internal_dnc", "registry_snapshot", "registry_listing"]


class ConsentIn(BaseModel):
    """One ledger event. `phone` (E.164) is required except for a registry snapshot; `at` defaults to now."""

    model_config = ConfigDict(extra="forbid")

    type: Kind
    phone: str | None = Field(default=None, min_length=2, max_length=32)
    at: datetime | None = None
    written: bool = False
    scope: list[str] = Field(default_factory=list, max_length=16)
    region: str | None = Field(default=None, max_length=8)
    tz: str | None = Field(default=None, max_length=64)
    campaign_id: str | None = Field(default=None, max_length=64)
    attributes: dict[str, str] = Field(default_factory=dict)
    event_id: str | None = Field(default=None, min_length=8, max_length=64)


class ConsentBatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    events: list[ConsentIn] = Field(min_length=1, max_length=1000)


class ConsentAccepted(BaseModel):
    event_ids: list[str]


class ConsentStatus(BaseModel):
    callable: bool
    rule: str | None
    events: list[dict[str, Any]]


@router.post("/consent", status_code=status.HTTP_202_ACCEPTED, response_model=ConsentAccepted)
async def post_consent(body: ConsentIn | ConsentBatchIn, tenant: Tenant, ctx: Context) -> ConsentAccepted:
    """Append consent-ledger events for the caller's tenant. The same event submitted twice is one event."""
    items = body.events if isinstance(body, ConsentBatchIn) else [body]
    events = []
    for index, item in enumerate(items):
        if item.type != "registry_snapshot" and not item.phone:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                                detail=[{"loc": ["body", "events", str(index), "phone"], "msg": "required"}])
        fields: dict[str, Any] = {k: v for k, v in {
            "written": item.written, "scope": item.scope, "region": item.region, "tz": item.tz,
            "campaign_id": item.campaign_id, "attributes": item.attributes,
        }.items() if v not in (None, [], {})}
        at = item.at or utcnow()
        events.append(consent_event(tenant, item.type, at, item.phone, event_id=item.event_id, **fields))
    for event in events:
        await ctx.producer.send(Topics.CONSENT_LEDGER, serde.serialize(event), key=event.key())
    return ConsentAccepted(event_ids=[e.event_id for e in events])


@router.get("/consent/{phone}", response_model=ConsentStatus)
async def get_consent(phone: str, tenant: Tenant, ctx: Context) -> ConsentStatus:
    """Whether any campaign of the caller's tenant may contact `phone` at all (`rule` says why not), with the
    ledger entries about it (no raw numbers, no message text)."""
    views = ctx.outbound
    if views is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail="consent view not ready")
    return ConsentStatus(**views.consent.show(tenant, phone))
