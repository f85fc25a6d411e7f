"""Two gateway replicas and a restarted one serve a conversation's replies with no gap and no repeat: the cursor
is the broker's, not a process's (issue 10, durable cursors)."""

from __future__ import annotations

import json
import threading
import time

import httpx

from gateway_helpers import GatewayFactory, Publisher, auth, reply_event, stream_event
from relaydesk.common.topics import Topics


def _poll(client: httpx.Client, key: str, conversation: str, cursor: str, wait: float = 2) -> dict:
    resp = client.get(f"/v1/conversations/{conversation}/replies", params={"after": cursor, "wait": wait},
                      headers=auth(key))
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_when_client_switches_replicas_mid_conversation_then_every_reply_once_in_order(
    gateways: GatewayFactory, kafka
) -> None:
    replicas = [gateways.start(), gateways.start()]
    key = gateways.api_keys["acme"]
    conversation = "conv-two-replicas"
    turns = [f"t{n:02d}" for n in range(24)]
    publisher = Publisher(kafka)

    def pipeline() -> None:
        for n, turn in enumerate(turns):
            for seq, delta in enumerate(("An", "swer")):
                publisher.send(Topics.REPLIES_STREAM, stream_event("acme", conversation, turn, seq, delta))
            reply = reply_event("acme", conversation, turn, f"answer {n}")
            publisher.send(Topics.REPLIES, reply)
            if n % 3 == 0:
                publisher.send(Topics.REPLIES, reply)  # redelivered upstream
            time.sleep(0.02)

    producing = threading.Thread(target=pipeline)
    producing.start()
    clients = [r.client() for r in replicas]
    cursor, replies, streamed, served = "0", [], [], [0, 0]
    deadline = time.monotonic() + 60
    request = 0
    while len(replies) < len(turns) and time.monotonic() < deadline:
        which = request % 2  # every request goes to the other replica
        request += 1
        got = _poll(clients[which], key, conversation, cursor)
        for item in got["items"]:
            served[which] += 1
            if item["kind"] == "reply":
                replies.append(item["data"]["reply_id"])
            else:
                streamed.append((item["data"]["reply_id"], item["data"]["seq"]))
        cursor = got["next"]
    producing.join()
    assert replies == [f"r-{t}" for t in turns]
    assert streamed and len(streamed) == len(set(streamed)), "a streamed token was shown twice"
    assert all(served), f"both replicas must have served items: {served}"
    for client in clients:  # the final cursor means "nothing new" on either replica
        assert _poll(client, key, conversation, cursor, wait=0.3)["items"] == []
        client.close()


def _sse_replies(client: httpx.Client, key: str, conversation: str, last_event_id: str, count: int) -> list[str]:
    seen: list[str] = []
    headers = {**auth(key), "Last-Event-ID": last_event_id}
    with client.stream("GET", f"/v1/conversations/{conversation}/events", headers=headers) as stream:
        assert stream.status_code == 200
        event = None
        for line in stream.iter_lines():
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and event == "reply":
                seen.append(json.loads(line.split(":", 1)[1])["reply_id"])
                if len(seen) >= count:
                    break
    return seen


def test_when_gateway_restarts_then_long_poll_and_sse_resume_from_the_cursor(gateways: GatewayFactory, kafka) -> None:
    key = gateways.api_keys["acme"]
    conversation = "conv-restart"
    publisher = Publisher(kafka)
    first = gateways.start()
    for turn in ("t1", "t2", "t3"):
        publisher.send(Topics.REPLIES, reply_event("acme", conversation, turn, f"before restart {turn}"))
    with first.client() as client:
        cursor, replies = "0", []
        deadline = time.monotonic() + 20
        while len(replies) < 3 and time.monotonic() < deadline:
            got = _poll(client, key, conversation, cursor)
            replies += [i["data"]["reply_id"] for i in got["items"]]
            cursor = got["next"]
    assert replies == ["r-t1", "r-t2", "r-t3"]
    first.stop()
    for turn in ("t4", "t5"):
        publisher.send(Topics.REPLIES, reply_event("acme", conversation, turn, f"after restart {turn}"))
    restarted = gateways.start()
    with restarted.client() as client:
        resumed: list[str] = []
        deadline = time.monotonic() + 20
        while len(resumed) < 2 and time.monotonic() < deadline:
            got = _poll(client, key, conversation, cursor)
            resumed += [i["data"]["reply_id"] for i in got["items"]]
            cursor_after = got["next"]
        assert resumed == ["r-t4", "r-t5"]
        assert _poll(client, key, conversation, cursor_after, wait=0.3)["items"] == []
        # an EventSource reconnecting to the restarted gateway with the pre-restart cursor as Last-Event-ID
        assert _sse_replies(client, key, conversation, cursor, 2) == ["r-t4", "r-t5"]
