"""The human side through the gateway, on the shared stack: an explicit request for a person hands off and
shows in the queue; after a claim the bot stays silent, assist suggests grounded drafts, the agent's reply
reaches the customer with the card number masked, and release gives the conversation back to the bot.
Another tenant's key sees none of it."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from stack_helpers import RunningStack, client, poll

AGENT_CARD = "5555 5555 5555 4444"  # a valid test card number, not the one other e2e tests scan for
PERSON_REQUEST = "This is ridiculous, I have asked three times. Let me talk to a real person now."






def say(api: httpx.Client, conversation_id: str, text: str, turn_id: str) -> None:
    r = api.post("/v1/messages", json={"conversation_id": conversation_id, "turn_id": turn_id, "text": text,
                                       "channel": "webchat", "speaker": "customer"})
    assert r.status_code == 202, r.text


def replies(api: httpx.Client, conversation_id: str) -> list[dict[str, Any]]:
    r = api.get(f"/v1/conversations/{conversation_id}/replies", params={"wait": 0})
    assert r.status_code == 200, r.text
    return [i["data"] for i in r.json()["items"] if i["kind"] == "reply"]


def queue_item(api: httpx.Client, conversation_id: str) -> dict[str, Any] | None:
    r = api.get("/v1/agent/queue")
    assert r.status_code == 200, r.text
    return next((i for i in r.json()["items"] if i["conversation_id"] == conversation_id), None)


def test_when_customer_asks_for_a_person_then_agent_takes_over_and_hands_back(
    stack: RunningStack, tmp_path: Any
) -> None:
    demo = client(stack, str(stack.info["api_key"]))
    other_tenant = f"other{uuid.uuid4().hex[:6]}"
    other = client(stack, str(stack.cli_json("tenant", "add", other_tenant)["api_key"]))
    conv = f"c-handoff-{uuid.uuid4().hex[:10]}"

    # 1. The explicit request hands off (whatever the top intent), and the conversation shows in the queue.
    say(demo, conv, PERSON_REQUEST, "t-1")
    first = poll(lambda: replies(demo, conv), lambda rs: any(r["turn_id"] == "t-1" for r in rs), 90, "hand-off reply")
    assert first[0]["reply"]["handoff"] is True and first[0]["reply"]["mode"] == "handoff"
    item = poll(lambda: queue_item(demo, conv), lambda i: i is not None, 30, "queue item")
    assert item["reason"] == "customer_request" and item["summary"] and item["waiting_since"]
    assert item["claimed_by"] is None and item["priority"] in {"normal", "high", "urgent"}

    # 2. Another tenant can neither see it nor claim it.
    assert queue_item(other, conv) is None
    assert other.post(f"/v1/agent/conversations/{conv}/claim", json={"agent_id": "mallory"}).status_code == 404
    assert other.get(f"/v1/agent/conversations/{conv}").status_code == 404

    # 3. Claim; a second agent is refused; the running summary comes with the claim.
    claimed = demo.post(f"/v1/agent/conversations/{conv}/claim", json={"agent_id": "ana"})
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["state"] == "with_agent" and claimed.json()["agent_id"] == "ana"
    assert claimed.json()["summary"]["reason_for_contact"].startswith("The customer asked for a person")
    assert demo.post(f"/v1/agent/conversations/{conv}/claim", json={"agent_id": "bob"}).status_code == 409

    # 4. A customer turn while held: no bot reply, but suggestions with sources for it.
    say(demo, conv, "How do I block my card?", "t-2")
    suggestions = poll(
        lambda: demo.get(f"/v1/agent/conversations/{conv}/suggestions", params={"wait": 5}).json(),
        lambda s: s["turn_id"] == "t-2" and any(i["sources"] for i in s["items"]), 90, "suggestions for t-2",
    )
    assert all(src["doc_id"] and src["title"] for i in suggestions["items"] for src in i["sources"])
    transcript = demo.get(f"/v1/agent/conversations/{conv}").json()["transcript"]
    assert any(t["turn_id"] == "t-2" and t["speaker"] == "customer" and "intent" in t["annotations"]
               for t in transcript)
    assert [r for r in replies(demo, conv) if r["turn_id"] == "t-2"] == []  # the bot stayed silent

    # 5. Bad input: not the holder, empty, oversized, unknown conversation.
    path = f"/v1/agent/conversations/{conv}/messages"
    assert demo.post(path, json={"agent_id": "bob", "text": "hi"}).status_code == 409
    assert demo.post(path, json={"agent_id": "ana", "text": "   "}).status_code == 422
    assert demo.post(path, json={"agent_id": "ana", "text": "x" * 2001}).status_code == 422
    assert demo.post("/v1/agent/conversations/c-unknown-xyz/messages",
                     json={"agent_id": "ana", "text": "hi"}).status_code == 404

    # 6. The agent's reply reaches the customer, as the agent's, with the card number masked.
    sent = demo.post(path, json={"agent_id": "ana", "text": f"I have blocked card {AGENT_CARD} for you."})
    assert sent.status_code == 202, sent.text
    reply_id = sent.json()["reply_id"]
    got = poll(lambda: replies(demo, conv), lambda rs: any(r["reply_id"] == reply_id for r in rs), 60, "agent reply")
    (agent_reply,) = [r for r in got if r["reply_id"] == reply_id]
    assert agent_reply["reply"]["speaker"] == "agent" and agent_reply["turn_id"] == "t-2"
    assert AGENT_CARD.replace(" ", "") not in agent_reply["reply"]["text"].replace(" ", "")
    assert agent_reply["compliance"]["verdict"] == "redacted"
    assert [r["reply"]["speaker"] for r in got if r["turn_id"] == "t-2"] == ["agent"]  # never both

    # 7. Release to the bot: the next turn gets a bot reply again.
    released = demo.post(f"/v1/agent/conversations/{conv}/release", json={"to": "bot"})
    assert released.status_code == 200 and released.json()["state"] == "bot", released.text
    assert queue_item(demo, conv) is None
    say(demo, conv, "How long does a replacement card take to arrive?", "t-3")
    back = poll(lambda: replies(demo, conv), lambda rs: any(r["turn_id"] == "t-3" for r in rs), 90, "bot reply")
    assert [r["reply"]["speaker"] for r in back if r["turn_id"] == "t-3"] == ["bot"]
