"""`relaydesk bench assist`: agent-assist latency through the running stack, from a customer's turn to the first
suggestion for it on the agent's side.

Each conversation asks for a person, is claimed by a bench agent, and then sends customer questions; for each
one the clock runs from the gateway accepting the turn to `GET .../suggestions` first returning items for that
turn (long-polled, so the figure is not a polling interval). Also counted: how many first suggestions cite a
source, and how long until the model's draft joins them (the full set), when it does.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

QUESTIONS = (
    "How do I block my card?",
    "How long does a replacement card take to arrive?",
    "How do I reset my online banking password?",
    "Can I get a refund for a duplicate charge?",
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tenant", default="demo")
    parser.add_argument("--conversations", type=int, default=3)
    parser.add_argument("--turns", type=int, default=4, help="customer turns per conversation, after the claim")
    parser.add_argument("--timeout", type=float, default=90.0)
    parser.add_argument("--json", action="store_true", help="last line: one JSON object")


def run(args: argparse.Namespace) -> int:
    import json
    import time
    import uuid

    from relaydesk.bench.stats import percentiles, progress
    from relaydesk.cli.gateway_client import GatewayClient

    client = GatewayClient.for_tenant(args.tenant, timeout_s=args.timeout + 10)
    run_id = uuid.uuid4().hex[:6]
    agent = f"bench-agent-{run_id}"
    first_ms: list[float] = []
    full_ms: list[float] = []
    with_sources = 0
    total = args.conversations * args.turns
    done = 0

    def until(fetch: Callable[[], Any], ok: Callable[[Any], bool], deadline_s: float) -> Any:
        deadline = time.monotonic() + deadline_s
        while time.monotonic() < deadline:
            value = fetch()
            if ok(value):
                return value
            time.sleep(0.2)
        raise SystemExit(f"bench assist: timed out after {deadline_s} s")

    for c in range(args.conversations):
        conv = f"bench-assist-{run_id}-{c}"
        client.post_json("/v1/messages", {"conversation_id": conv, "turn_id": "t-0",
                                          "text": "agent please, I want to talk to a person"})
        # Called at once, in this iteration: the lambdas may close over the loop variables.
        until(lambda: client.get_json("/v1/agent/queue")["items"],
              lambda items: any(i["conversation_id"] == conv for i in items), args.timeout)  # noqa: B023
        client.post_json(f"/v1/agent/conversations/{conv}/claim", {"agent_id": agent})
        for t in range(args.turns):
            turn_id = f"t-{t + 1}"
            started = time.monotonic()
            client.post_json("/v1/messages", {"conversation_id": conv, "turn_id": turn_id,
                                              "text": QUESTIONS[t % len(QUESTIONS)]})
            path = f"/v1/agent/conversations/{conv}/suggestions"
            first = until(lambda: client.get_json(path, {"wait": 5}),  # noqa: B023
                          lambda s: s["turn_id"] == turn_id and bool(s["items"]), args.timeout)  # noqa: B023
            first_ms.append((time.monotonic() - started) * 1000.0)
            with_sources += any(item["sources"] for item in first["items"])
            # The model's draft arrives as a larger set for the same turn (or not at all, if ungrounded).
            deadline = time.monotonic() + args.timeout
            while time.monotonic() < deadline:
                current = client.get_json(path, {"wait": 2})
                if current["turn_id"] == turn_id and len(current["items"]) > len(first["items"]):
                    full_ms.append((time.monotonic() - started) * 1000.0)
                    break
                if current["turn_id"] != turn_id:
                    break
                if time.monotonic() - started > 30:
                    break
            done += 1
            progress(done, total, "assist")
        client.post_json(f"/v1/agent/conversations/{conv}/release", {"to": "closed"})

    # No samples: null in the JSON (percentiles() gives NaN, which is not JSON).
    first_p = percentiles(first_ms) if first_ms else None
    draft_p = percentiles(full_ms) if full_ms else None
    report = {
        "turns": len(first_ms),
        "first_suggestion_ms": first_p,
        "first_with_sources": with_sources,
        "model_draft_ms": draft_p,
        "model_drafts": len(full_ms),
    }
    if args.json:
        print(json.dumps(report))
    else:
        print(f"turn -> first suggestion: {first_p} ms over {len(first_ms)} turns ({with_sources} with sources); "
              f"model draft in {len(full_ms)}: {draft_p}")
    return 0
