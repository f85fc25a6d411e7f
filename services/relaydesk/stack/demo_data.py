"""The demo tenant: its help-centre knowledge pushed at start-up, and a short scripted conversation."""

from __future__ import annotations

import json
import sys
import time
import uuid
from typing import Any

from relaydesk.cli.gateway_client import GatewayClient

DEMO_CONVERSATION: tuple[tuple[str, str | None], ...] = (
    ("Hi, I lost my credit card yesterday, can you block it?", "en"),
    ("The number was 4111 1111 1111 1111 and my email is jane.doe@example.com", "en"),
    ("How long until the replacement card arrives?", "en"),
    ("我的信用卡被偷了，怎么办？", "zh"),
    ("This is ridiculous, I've been waiting for weeks. I want to talk to a real person now!", "en"),
)


def push_demo_knowledge(gateway_url: str, api_key: str, deadline_s: float = 120.0) -> int:
    from relaydesk.knowledge.demo import load_demo_documents

    client = GatewayClient(gateway_url, api_key)
    docs = load_demo_documents()
    client.post_json("/v1/knowledge/documents", {"documents": docs})
    # Searchable means found by the search endpoint, not just accepted: probe with the last document's title.
    probe = docs[-1]
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        found = client.get_json("/v1/knowledge/search", {"q": probe["title"], "k": 10})
        if any(r["doc_id"] == probe["doc_id"] for r in found.get("results", [])):
            return len(docs)
        time.sleep(0.25)
    raise RuntimeError(f"demo knowledge not searchable within {deadline_s:.0f}s")


def chat_once(
    client: GatewayClient,
    text: str,
    conversation_id: str | None = None,
    lang: str | None = None,
    channel: str = "webchat",
    timeout_s: float = 60.0,
) -> dict[str, Any]:
    """Send one message and wait for its final reply; the result is what `relaydesk chat` prints."""
    started = time.perf_counter()
    body: dict[str, Any] = {"text": text, "channel": channel}
    if conversation_id:
        body["conversation_id"] = conversation_id
    if lang:
        body["lang"] = lang
    accepted = client.post_json("/v1/messages", body)
    deadline = time.monotonic() + timeout_s
    item = None
    while item is None and time.monotonic() < deadline:
        wait = min(25.0, max(0.5, deadline - time.monotonic()))
        got = client.get_json(
            f"/v1/conversations/{accepted['conversation_id']}/replies",
            {"turn_id": accepted["turn_id"], "wait": wait},
            timeout_s=wait + 10,
        )
        item = got["items"][0] if got.get("items") else None
    if item is None:
        raise TimeoutError(f"no reply to turn {accepted['turn_id']} within {timeout_s:.0f}s")
    data = item["data"]
    return {
        "conversation_id": accepted["conversation_id"],
        "turn_id": accepted["turn_id"],
        "reply": {"text": data["reply"]["text"], "handoff": data["reply"]["handoff"]},
        "intent": data["intent"],
        "emotion": data["emotion"],
        "sources": data["sources"],
        "compliance": data["compliance"],
        "cache": data.get("cache", {"hit": False}),
        "trace_id": accepted["trace_id"],
        "latency_ms": round((time.perf_counter() - started) * 1000, 1),
    }


def play_demo(gateway_url: str, api_key: str) -> None:
    client = GatewayClient(gateway_url, api_key)
    conversation_id = f"demo-{uuid.uuid4().hex[:8]}"
    print(f"\n=== demo conversation {conversation_id} ===", flush=True)
    for text, lang in DEMO_CONVERSATION:
        out = chat_once(client, text, conversation_id, lang)
        intent, emotion = out["intent"] or {}, out["emotion"] or {}
        sources = ", ".join(s["doc_id"] for s in out["sources"][:3]) or "-"
        print(f"\ncustomer> {text}")
        print(f"relaydesk> {out['reply']['text']}")
        print(
            f"  intent={intent.get('label')} ({intent.get('confidence')})"
            f"  emotion={emotion.get('label')} sentiment={emotion.get('sentiment')} escalate={emotion.get('escalate')}"
            f"  verdict={out['compliance']['verdict']}  handoff={out['reply']['handoff']}"
            f"  cache={out['cache'].get('hit')}  sources=[{sources}]  {out['latency_ms']} ms",
            flush=True,
        )
    print("\n=== end of demo ===\n", flush=True)
    sys.stdout.flush()


def as_json(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False)
