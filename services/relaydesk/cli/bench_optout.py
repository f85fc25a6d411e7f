"""`relaydesk bench optout`: a customer's free-text opt-out on an outbound conversation, to `consent show`
saying "not callable", through the running stack.

Each try grants consent to a number (and waits until it is callable), then sends one customer turn on channel
`outbound` with `customer_ref` = the number and an opt-out in en/zh/ja/id, and polls `GET /v1/consent/{phone}`
(what `relaydesk consent show` prints) until `callable` is false. The clock starts before the turn is posted.
"""

from __future__ import annotations

import argparse

OPT_OUTS = (
    ("please stop calling me", "en"),
    ("STOP", "en"),
    ("不要再打电话了", "zh"),
    ("もう電話しないでください", "ja"),
    ("jangan telepon saya lagi", "id"),
    ("take me off your calling list", "en"),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tenant", default="demo")
    parser.add_argument("--tries", type=int, default=30)
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for one opt-out")
    parser.add_argument("--json", action="store_true", help="last line: one JSON object")


def _number(index: int) -> str:
    # Fictional 555-01xx numbers, valid for phonenumbers, across area codes.
    area = ("212", "312", "415", "617", "713", "206")[index // 100 % 6]
    return f"+1{area}55501{index % 100:02d}"


def run(args: argparse.Namespace) -> int:
    import json
    import time
    import urllib.parse
    import uuid

    from relaydesk.bench.stats import percentiles, progress
    from relaydesk.cli.gateway_client import GatewayClient

    client = GatewayClient.for_tenant(args.tenant, timeout_s=30)
    run_id = uuid.uuid4().hex[:8]
    latencies: list[float] = []
    failures = 0

    def callable_now(phone: str) -> bool:
        return bool(client.get_json(f"/v1/consent/{urllib.parse.quote(phone)}")["callable"])

    def wait_until(phone: str, want: bool, timeout_s: float, interval_s: float) -> bool:
        deadline = time.perf_counter() + timeout_s
        while time.perf_counter() < deadline:
            if callable_now(phone) is want:
                return True
            time.sleep(interval_s)
        return False

    for index in range(args.tries):
        phone = _number(int(run_id, 16) % 500 + index)
        client.post_json("/v1/consent", {"type": "consent", "phone": phone, "written": True,
                                         "scope": ["telemarketing"]})
        if not wait_until(phone, True, args.timeout, 0.05):
            failures += 1
            continue
        text, lang = OPT_OUTS[index % len(OPT_OUTS)]
        started = time.perf_counter()
        client.post_json("/v1/messages", {"conversation_id": f"optout-{run_id}-{index}", "channel": "outbound",
                                          "text": text, "lang": lang, "customer_ref": phone})
        if wait_until(phone, False, args.timeout, 0.005):
            latencies.append((time.perf_counter() - started) * 1000.0)
        else:
            failures += 1
        progress(index + 1, args.tries, "optout")
    report = {"tries": args.tries, "measured": len(latencies), "failures": failures,
              "optout_to_not_callable_ms": percentiles(latencies)}
    if not args.json:
        print(f"opt-out -> not callable p50/p95/p99 ms: {report['optout_to_not_callable_ms']}")
    print(json.dumps(report))
    return 0 if not failures else 1
