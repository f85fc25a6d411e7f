"""The console in a real headless Chromium: sign in with the tenant's key, claim a handed-off conversation,
use assist's suggestion, send it (compliance masks the card number in it), and see the supervisor view.
Screenshots of the desk and the supervisor view go to docs/."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from browser.conftest import Desk
from relaydesk.common import serde
from relaydesk.common.kafka import produce_and_wait, sync_producer
from relaydesk.common.topics import Topics
from relaydesk.events import (
    Attack,
    EmotionAnnotation,
    Envelope,
    GuardAnnotation,
    Handoff,
    IntentAnnotation,
    RetrievalAnnotation,
    RetrievalHit,
    TurnAnnotated,
    TurnBody,
)

DOCS = Path(__file__).resolve().parents[2] / "docs"
BLOCK_CARD = (
    "To block a lost or stolen card, open the app, choose Cards, then Freeze card. You can also call us on the "
    "number on the back of the card, any time of day. A replacement card arrives in 3 to 5 business days."
)
CARD = "5555 5555 5555 4444"


def _api(desk: Desk, tenant: str = "acme") -> httpx.Client:
    return httpx.Client(base_url=desk.gateway, headers={"Authorization": f"Bearer {desk.api_keys[tenant]}"},
                        timeout=30)


def _produce(desk: Desk, topic: str, event: Envelope) -> None:
    produce_and_wait(sync_producer(desk.kafka), desk.kafka.topic(topic), serde.serialize(event),
                     key=(event.conversation_id or "").encode())


def _handoff(desk: Desk, conv: str, sentiment: float) -> None:
    """What generation produces when a customer asks for a person."""
    _produce(desk, Topics.HANDOFFS, Handoff(
        tenant_id="acme", conversation_id=conv, turn_id="t-1", reply_id=f"r-{conv}", reason="customer_request",
        category="customer_request", priority="high", language="en", intent="complaint", emotion="anger",
        summary="The customer asked for a person.\nIntent: complaint (0.71).", sentiment_trend=[-0.2, sentiment],
        intents=["complaint", "human_agent"], cited_docs=["block-card"],
    ))


def _customer_turn(desk: Desk, conv: str, turn_id: str, text: str, sentiment: float) -> None:
    """A customer turn as retrieval hands it on: redacted, annotated, with its passages."""
    _produce(desk, Topics.TURNS_CONTEXT, TurnAnnotated(
        tenant_id="acme", conversation_id=conv, received_at=datetime.now(UTC),
        turn=TurnBody(turn_id=turn_id, channel="webchat", speaker="customer", text=text, lang="en"),
        guard=GuardAnnotation(redacted=False, attack=Attack(detected=False, score=0.0)),
        intent=IntentAnnotation(label="card_lost", confidence=0.86),
        emotion=EmotionAnnotation(label="sadness", sentiment=sentiment, escalate=False),
        retrieval=RetrievalAnnotation(kb_version=3, query=text, hits=[
            RetrievalHit(doc_id="block-card", chunk_id="block-card#0", title="Block a lost card", text=BLOCK_CARD,
                         score=0.82, version=2),
        ]),
    ))


def _until(check: Any, deadline_s: float, what: str) -> Any:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.3)
    pytest.fail(f"{what} not seen within {deadline_s} s")


def _sign_in(page: Any, desk: Desk, key: str, agent: str) -> None:
    page.goto(f"{desk.gateway}/console")
    page.get_by_test_id("login-key").fill(key)
    page.get_by_test_id("login-agent").fill(agent)
    page.get_by_test_id("login-submit").click()


def test_when_key_is_wrong_then_login_says_so(desk: Desk, page: Any) -> None:
    _sign_in(page, desk, "rdk_nobody_wrong", "agent-x")
    page.get_by_test_id("login-error").wait_for(state="visible", timeout=10_000)
    assert page.get_by_test_id("queue").is_hidden()


def test_when_agent_claims_uses_a_suggestion_and_sends_then_customer_gets_it(desk: Desk, page: Any) -> None:
    api = _api(desk)
    key = desk.api_keys["acme"]
    conv = f"c-browser-{uuid.uuid4().hex[:10]}"
    other = f"c-browser-waiting-{uuid.uuid4().hex[:6]}"
    _handoff(desk, other, -0.3)  # a second customer, still waiting, for the supervisor view

    _sign_in(page, desk, key, "ana")
    page.get_by_test_id("queue").wait_for(timeout=10_000)
    _customer_turn(desk, conv, "t-1", "This is ridiculous. Let me talk to a real person now.", -0.7)
    _handoff(desk, conv, -0.7)
    item = page.locator(f'[data-testid="queue-item"][data-conversation-id="{conv}"]')
    item.wait_for(timeout=30_000)  # arrives live, over the SSE stream
    assert key not in page.url
    item.get_by_test_id("claim").click()
    _until(lambda: api.get(f"/v1/agent/conversations/{conv}").json().get("agent_id") == "ana", 20, "the claim")

    _customer_turn(desk, conv, "t-2", "I lost my card, how do I block it?", -0.4)
    suggestion = page.locator('[data-testid="suggestion"][data-kind="draft"]').first
    suggestion.wait_for(timeout=30_000)
    assert "Block a lost card" in page.get_by_test_id("suggestion-sources").first.inner_text()
    suggestion.click()
    box = page.get_by_test_id("reply-box")
    used = box.input_value()
    assert used and used == suggestion.locator("p").text_content()
    page.screenshot(path=str(DOCS / "console-desk.png"), full_page=True)
    box.fill(f"{used} I have also frozen card {CARD} for you.")

    page.get_by_test_id("reply-send").click()
    page.get_by_text("Sent.").wait_for(timeout=10_000)

    def agent_reply() -> list[dict[str, Any]]:
        items = api.get(f"/v1/conversations/{conv}/replies", params={"wait": 0}).json()["items"]
        return [i["data"] for i in items if i["kind"] == "reply" and i["data"]["reply"].get("speaker") == "agent"]

    (reply,) = _until(agent_reply, 60, "the agent's reply on the customer's side")
    assert reply["turn_id"] == "t-2" and reply["reply"]["text"].startswith(used[:40])
    assert CARD.replace(" ", "") not in reply["reply"]["text"].replace(" ", "")
    assert reply["compliance"]["verdict"] == "redacted"

    page.goto(f"{desk.gateway}/console/supervisor")
    row = page.locator(f'[data-testid="sv-row"][data-conversation-id="{conv}"]')
    row.wait_for(timeout=20_000)
    assert "with_agent" in row.inner_text() and "ana" in row.inner_text()
    page.locator(f'[data-testid="sv-row"][data-conversation-id="{other}"]').wait_for(timeout=20_000)
    assert page.get_by_test_id("sv-queued").inner_text() != "0"
    page.screenshot(path=str(DOCS / "console-supervisor.png"), full_page=True)

    released = api.post(f"/v1/agent/conversations/{conv}/release", json={"to": "closed"})
    assert released.status_code == 200 and released.json()["state"] == "closed"
    assert _api(desk, "globex").get(f"/v1/agent/conversations/{conv}").status_code == 404
