"""Outbound campaigns over HTTP: create, import contacts, start, pause, status (all tenant-scoped)."""

from __future__ import annotations

import asyncio
import json
from typing import Any, Literal

from fastapi import APIRouter, Body, HTTPException, status
from pydantic import BaseModel, ConfigDict, Field

from relaydesk.campaigns.contacts import parse_contacts
from relaydesk.campaigns.model import CampaignError, parse_campaign
from relaydesk.common import serde
from relaydesk.common.topics import Topics
from relaydesk.consent.events import consent_event
from relaydesk.events import utcnow
from relaydesk.events.ids import content_id
from relaydesk.events.outbound import CampaignCommand
from relaydesk.gateway.deps import Context, Tenant
from relaydesk.gateway.outbound import OutboundViews

router = APIRouter(prefix="/v1", tags=["campaigns"])

KNOWN_WAIT_S = 3.0  # a campaign just created reaches the gateway's view through its topic


class ContactsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: Literal["csv", "jsonl"]
    data: str = Field(min_length=1, max_length=20_000_000)


def _views(ctx: Context) -> OutboundViews:
    if ctx.outbound is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail="campaign view not ready")
    views: OutboundViews = ctx.outbound
    return views


async def _known(views: OutboundViews, tenant: str, campaign_id: str) -> None:
    deadline = asyncio.get_running_loop().time() + KNOWN_WAIT_S
    while views.campaign(tenant, campaign_id) is None:
        if asyncio.get_running_loop().time() > deadline:
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such campaign")
        await asyncio.sleep(0.05)


async def _command(ctx: Context, command: CampaignCommand) -> None:
    await ctx.producer.send(Topics.CAMPAIGNS, serde.serialize(command), key=command.key())


@router.post("/campaigns", status_code=status.HTTP_202_ACCEPTED)
async def create_campaign(tenant: Tenant, ctx: Context, body: dict[str, Any] = Body(...)) -> dict[str, Any]:  # noqa: B008
    """Define (or redefine) a campaign from its file's content. `tenant` defaults to the caller's and must be it."""
    doc = {"tenant": tenant, **body}
    if doc["tenant"] != tenant:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="tenant: must be the caller's tenant")
    try:
        campaign = parse_campaign(doc)
    except CampaignError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            detail={"error": "invalid_campaign", "problems": exc.problems}) from None
    definition = campaign.model_dump(mode="json")
    command = CampaignCommand(
        event_id=content_id("campaign.define", tenant, campaign.campaign_id, json.dumps(definition, sort_keys=True)),
        tenant_id=tenant, campaign_id=campaign.campaign_id, action="define", definition=definition,
    )
    await _command(ctx, command)
    return {"campaign_id": campaign.campaign_id, "state": "defined", "event_id": command.event_id}


@router.post("/campaigns/{campaign_id}/contacts")
async def import_contacts(campaign_id: str, body: ContactsIn, tenant: Tenant, ctx: Context) -> dict[str, Any]:
    """Import contacts (CSV with a header, or JSONL). Bad rows are reported by line number; good rows import."""
    views = _views(ctx)
    await _known(views, tenant, campaign_id)
    result = parse_contacts(body.data, body.format)
    now = utcnow()
    sends = []
    for row in result.rows:
        event = consent_event(
            tenant, "contact", now, row.phone, source="import", campaign_id=campaign_id,
            event_id=content_id("contact", tenant, campaign_id, row.phone, row.region, row.tz,
                                json.dumps(row.attributes, sort_keys=True)),
            **{k: v for k, v in {"region": row.region, "tz": row.tz, "attributes": row.attributes}.items() if v},
        )
        sends.append(ctx.producer.produce_nowait(Topics.CONSENT_LEDGER, serde.serialize(event), key=event.key()))
    if sends:
        await asyncio.gather(*sends)
    return {"campaign_id": campaign_id, "imported": len(result.rows), "errors": result.errors}


async def _control(campaign_id: str, action: Literal["start", "pause"], tenant: str, ctx: Context) -> dict[str, Any]:
    views = _views(ctx)
    await _known(views, tenant, campaign_id)
    command = CampaignCommand(tenant_id=tenant, campaign_id=campaign_id, action=action)
    await _command(ctx, command)
    return {"campaign_id": campaign_id, "state": "started" if action == "start" else "paused"}


@router.post("/campaigns/{campaign_id}/start")
async def start_campaign(campaign_id: str, tenant: Tenant, ctx: Context) -> dict[str, Any]:
    return await _control(campaign_id, "start", tenant, ctx)


@router.post("/campaigns/{campaign_id}/pause")
async def pause_campaign(campaign_id: str, tenant: Tenant, ctx: Context) -> dict[str, Any]:
    return await _control(campaign_id, "pause", tenant, ctx)


@router.get("/campaigns/{campaign_id}")
async def campaign_status(campaign_id: str, tenant: Tenant, ctx: Context) -> dict[str, Any]:
    """Attempts, allowed, blocked by rule, connects, abandons, the 30-day abandonment rate, agent utilisation,
    and the latest decisions (by number hash, no raw numbers)."""
    found = _views(ctx).campaign_status(tenant, campaign_id)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such campaign")
    return found
