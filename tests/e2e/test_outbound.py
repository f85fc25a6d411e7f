"""Outbound on the shared stack: a small AI-voice campaign on the simulated carrier through the bot, an opt-out
said by a customer mid-campaign, and no blocked number ever dialled.

The campaign's contacts include a number on the tenant's DNC list and an invalid one: both are blocked with their
rule and never reach the carrier. An answered call opens a conversation whose first message discloses the
automated assistant, names the company and tells how to opt out; the customer's "jangan telepon saya lagi"
makes `relaydesk consent show` say not callable, the bot confirms once, and the tenant's next campaign is
blocked from dialling that number."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from relaydesk.consent.numbers import phone_hash
from stack_helpers import RunningStack, poll

GOOD = ["+13125550191", "+13125550192", "+13125550193"]
DNC = "+13125550194"
INVALID = "+10005550195"




def midday_zone() -> str:
    """An IANA zone where it is now around noon, so the federal calling window never decides the test."""
    offset = (12 - datetime.now(UTC).hour + 12) % 24 - 12
    return "Etc/GMT" + (f"{-offset:+d}" if offset else "")


def campaign(campaign_id: str) -> dict[str, Any]:
    return {
        "campaign_id": campaign_id, "purpose": "telemarketing", "channel": "voice", "ai_voice": True,
        "jurisdictions": ["us_federal"], "calling_window": {"start": "00:00", "end": "23:59"},
        "max_attempts_per_24h": 3, "company": "Acme Energy", "agents": 2, "answer_probability": 1.0,
        "script": "We have a new solar plan for your home.",
    }


def test_when_campaign_runs_through_the_bot_then_opt_out_suppresses_and_no_blocked_number_is_dialled(
    stack: RunningStack,
) -> None:
    tenant = f"ob{uuid.uuid4().hex[:6]}"
    key = str(stack.cli_json("tenant", "add", tenant)["api_key"])
    api = httpx.Client(base_url=str(stack.info["gateway"]), headers={"Authorization": f"Bearer {key}"}, timeout=60)
    zone = midday_zone()
    now = datetime.now(UTC).isoformat()
    ledger: list[dict[str, Any]] = [{"type": "registry_snapshot", "at": now}, {"type": "internal_dnc", "phone": DNC}]
    ledger += [{"type": "consent", "phone": p, "written": True, "scope": ["telemarketing"], "at": now}
               for p in [*GOOD, DNC, INVALID]]
    assert api.post("/v1/consent", json={"events": ledger}).status_code == 202

    assert api.post("/v1/campaigns", json=campaign("solar")).status_code == 202
    rows = ["phone,first_name,tz", *(f"{p},Cust{i},{zone}" for i, p in enumerate([*GOOD, DNC, INVALID]))]
    imported = api.post("/v1/campaigns/solar/contacts", json={"format": "csv", "data": "\n".join(rows)}).json()
    assert imported["imported"] == 5 and imported["errors"] == []
    assert api.post("/v1/campaigns/solar/start").status_code == 200

    status = poll(lambda: api.get("/v1/campaigns/solar").json(),
                  lambda s: s.get("connects") == 3 and s.get("blocked") == 2, 90, "three connects, two blocks")
    assert status["blocked_by_rule"] == {"internal_dnc": 1, "invalid_number": 1}
    dialled = {r["phone_hash"] for r in status["recent"] if r["allowed"]}
    assert dialled == {phone_hash(tenant, p) for p in GOOD}

    # The first customer's conversation: the bot's opening, then the customer opts out in Indonesian.
    target = GOOD[0]
    conversation = next(r["conversation_id"] for r in status["recent"]
                        if r["allowed"] and r["phone_hash"] == phone_hash(tenant, target))
    opening = poll(lambda: api.get(f"/v1/conversations/{conversation}/replies", params={"wait": 5}).json()["items"],
                   lambda items: bool(items), 30, "the opening message")[0]["data"]["reply"]["text"]
    assert "automated assistant" in opening and "Acme Energy" in opening and "Cust0" in opening
    assert "stop" in opening.lower()
    said = api.post("/v1/messages", json={"conversation_id": conversation, "channel": "outbound", "lang": "id",
                                          "text": "jangan telepon saya lagi", "customer_ref": target})
    assert said.status_code == 202
    shown = poll(lambda: stack.cli_json("consent", "show", "--tenant", tenant, target),
                 lambda s: s["callable"] is False, 30, "consent show: not callable")
    assert shown["rule"] == "consent_revoked"
    assert any(e["type"] == "revocation" and e.get("source") == "guard" for e in shown["events"])

    def replies() -> list[dict[str, Any]]:
        items = api.get(f"/v1/conversations/{conversation}/replies", params={"wait": 2}).json()["items"]
        return [i["data"]["reply"]["text"] for i in items if i["kind"] == "reply"]

    texts = poll(replies, lambda t: len(t) >= 2, 60, "the opt-out confirmation")
    assert "tidak akan menghubungi" in texts[1]  # one confirmation, no more pitch

    # The tenant's next campaign: the number that opted out is blocked, the others still callable.
    assert api.post("/v1/campaigns", json=campaign("solar-2")).status_code == 202
    data = "phone,tz\n" + "\n".join(f"{p},{zone}" for p in (target, GOOD[1]))
    assert api.post("/v1/campaigns/solar-2/contacts", json={"format": "csv", "data": data}).json()["imported"] == 2
    assert api.post("/v1/campaigns/solar-2/start").status_code == 200
    second = poll(lambda: api.get("/v1/campaigns/solar-2").json(), lambda s: s.get("attempts") == 2, 60,
                  "the second campaign's decisions")
    assert second["blocked_by_rule"] == {"consent_revoked": 1}
    assert {r["phone_hash"] for r in second["recent"] if r["allowed"]} == {phone_hash(tenant, GOOD[1])}
    for name in ("solar", "solar-2"):
        assert api.post(f"/v1/campaigns/{name}/pause").status_code == 200
