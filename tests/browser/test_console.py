"""The console in a real headless Chromium: sign in with the tenant's key, claim a handed-off conversation,
use assist's suggestion, send it, and see the supervisor view. Screenshots of the desk and the supervisor view
go to docs/."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from stack_helpers import RunningStack

DOCS = Path(__file__).resolve().parents[2] / "docs"
PERSON_REQUEST = "I've been waiting for ages. Let me talk to a real person now."


def _api(stack: RunningStack) -> httpx.Client:
    return httpx.Client(base_url=str(stack.info["gateway"]),
                        headers={"Authorization": f"Bearer {stack.info['api_key']}"}, timeout=60)


def _say(api: httpx.Client, conversation_id: str, text: str, turn_id: str) -> None:
    r = api.post("/v1/messages", json={"conversation_id": conversation_id, "turn_id": turn_id, "text": text})
    assert r.status_code == 202, r.text


def _until(check: Any, deadline_s: float, what: str) -> Any:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.3)
    pytest.fail(f"{what} not seen within {deadline_s} s")


def _sign_in(page: Any, stack: RunningStack, key: str, agent: str) -> None:
    page.goto(f"{stack.info['gateway']}/console")
    page.get_by_test_id("login-key").fill(key)
    page.get_by_test_id("login-agent").fill(agent)
    page.get_by_test_id("login-submit").click()


def test_when_key_is_wrong_then_login_says_so(stack: RunningStack, page: Any) -> None:
    _sign_in(page, stack, "rdk_nobody_wrong", "agent-x")
    page.get_by_test_id("login-error").wait_for(state="visible", timeout=10_000)
    assert page.get_by_test_id("queue").is_hidden()


def test_when_agent_claims_uses_a_suggestion_and_sends_then_customer_gets_it(
    stack: RunningStack, page: Any
) -> None:
    api = _api(stack)
    key = str(stack.info["api_key"])
    conv = f"c-browser-{uuid.uuid4().hex[:10]}"
    _say(api, conv, PERSON_REQUEST, "t-1")

    _sign_in(page, stack, key, "ana")
    item = page.locator(f'[data-testid="queue-item"][data-conversation-id="{conv}"]')
    item.wait_for(timeout=90_000)  # the queue updates live (SSE) when the hand-off is routed
    assert key not in page.url
    item.get_by_test_id("claim").click()
    _until(lambda: api.get(f"/v1/agent/conversations/{conv}").json().get("agent_id") == "ana", 20, "claim")

    _say(api, conv, "How do I block my card?", "t-2")
    suggestion = page.get_by_test_id("suggestion").first
    suggestion.wait_for(timeout=90_000)
    assert page.get_by_test_id("suggestion-sources").first.inner_text().strip()  # every suggestion cites sources
    suggestion.click()
    box = page.get_by_test_id("reply-box")
    used = box.input_value()
    assert used and used == suggestion.locator("p").text_content()
    page.screenshot(path=str(DOCS / "console-desk.png"), full_page=True)

    page.get_by_test_id("reply-send").click()
    page.get_by_text("Sent.").wait_for(timeout=10_000)

    def agent_reply() -> list[dict[str, Any]]:
        items = api.get(f"/v1/conversations/{conv}/replies", params={"wait": 0}).json()["items"]
        return [i["data"] for i in items if i["kind"] == "reply" and i["data"]["reply"].get("speaker") == "agent"]

    (reply,) = _until(agent_reply, 60, "the agent's reply on the customer's side")
    assert reply["turn_id"] == "t-2" and reply["reply"]["text"].strip()

    page.goto(f"{stack.info['gateway']}/console/supervisor")
    row = page.locator(f'[data-testid="sv-row"][data-conversation-id="{conv}"]')
    row.wait_for(timeout=20_000)
    assert "with_agent" in row.inner_text() and "ana" in row.inner_text()
    page.screenshot(path=str(DOCS / "console-supervisor.png"), full_page=True)

    released = api.post(f"/v1/agent/conversations/{conv}/release", json={"to": "closed"})
    assert released.status_code == 200 and released.json()["state"] == "closed"
