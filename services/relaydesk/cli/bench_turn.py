"""`relaydesk bench turn`: end-to-end latency of customer turns through the running stack.

Sends turns through the gateway (fresh conversations, realistic multilingual questions), waits for each final
reply, and reports latency percentiles, per-stage handler time from the replies' stage timings, and the share
of the end-to-end time spent inside stages (the rest is Kafka hops, batching waits and HTTP). Repeated questions
show the semantic cache: cold (first ask) against warm (the same question again, a cache hit once approved).
"""

from __future__ import annotations

import argparse

from relaydesk.bench.questions import QUESTIONS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tenant", default="demo")
    parser.add_argument("--turns", type=int, default=24, help="cold turns (each question is then asked again)")
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=90.0)
    parser.add_argument("--plot", default=None, help="write a latency histogram PNG here")
    parser.add_argument("--json", action="store_true", help="last line: one JSON object")
    parser.add_argument("--backfill-timeout", type=float, default=600.0,
                        help="wait up to this long for the knowledge worker's dense backfill first (0: do not wait)")


def run(args: argparse.Namespace) -> int:
    import json
    import statistics
    import uuid
    from concurrent.futures import ThreadPoolExecutor

    from relaydesk.bench.backfill import wait_for_local_stack
    from relaydesk.bench.hops import hop_gaps
    from relaydesk.bench.stats import histogram_png, percentiles, progress
    from relaydesk.cli.gateway_client import GatewayClient
    from relaydesk.stack.demo_data import chat_once

    client = GatewayClient.for_tenant(args.tenant, timeout_s=args.timeout + 10)
    backfill = wait_for_local_stack(args.backfill_timeout)
    run_id = uuid.uuid4().hex[:6]
    plan = [QUESTIONS[i % len(QUESTIONS)] for i in range(args.turns)]
    results: dict[str, list[dict]] = {"cold": [], "warm": []}

    def one(phase: str, index: int, question: tuple[str, str]) -> dict:
        conversation = f"bench-{run_id}-{phase}-{index}"
        return {**chat_once(client, question[0], conversation, question[1], timeout_s=args.timeout),
                "lang": question[1]}

    for phase in ("cold", "warm"):
        done = 0
        with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
            futures = [pool.submit(one, phase, i, q) for i, q in enumerate(plan)]
            for fut in futures:
                results[phase].append(fut.result())
                done += 1
                progress(done, len(plan), f"{phase:>4}")

    def summary(rows: list[dict]) -> dict:
        lat = [r["latency_ms"] for r in rows]
        hits = sum(bool(r["cache"].get("hit")) for r in rows)
        return {"turns": len(rows), "latency_ms": percentiles(lat), "cache_hits": hits}

    stage_ms: dict[str, list[float]] = {}
    inside_share: list[float] = []
    hop_ms: dict[str, dict[str, list[float]]] = {"miss": {}, "hit": {}}
    for phase in ("cold", "warm"):
        for row in results[phase]:
            data = _reply_of(client, row)
            stages = {s["stage"]: s["latency_ms"] for s in data.get("stages", [])}
            kind = "hit" if row["cache"].get("hit") else "miss"
            for hop, ms in hop_gaps(data, row["latency_ms"]).items():
                hop_ms[kind].setdefault(hop, []).append(ms)
            if phase != "cold":
                continue
            for name, ms in stages.items():
                stage_ms.setdefault(name, []).append(ms)
            if stages:
                inside_share.append(sum(stages.values()) / row["latency_ms"])
    report = {
        "cold": summary(results["cold"]),
        "warm": summary(results["warm"]),
        "stage_ms_p50": {k: round(statistics.median(v), 2) for k, v in sorted(stage_ms.items())},
        "share_of_latency_in_stages": round(statistics.median(inside_share), 3) if inside_share else None,
        # Between stages (broker hop, fetch wait, batching, decode), per hop, for misses and cache hits.
        "hop_ms_p50": {k: {h: round(statistics.median(v), 2) for h, v in hops.items()} for k, hops in hop_ms.items()},
        # First asks per question language: the cold figure's mix is the question set's (QUESTIONS).
        "cold_p50_by_lang": {
            lang: round(statistics.median(r["latency_ms"] for r in results["cold"] if r["lang"] == lang), 1)
            for lang in sorted({r["lang"] for r in results["cold"]})
        },
        "concurrency": args.concurrency,
        "dense_backlog": backfill,  # the knowledge worker's background embedding queue before the run
    }
    hits = [r["latency_ms"] for rows in results.values() for r in rows if r["cache"].get("hit")]
    misses = [r["latency_ms"] for rows in results.values() for r in rows if not r["cache"].get("hit")]
    report["cache_hit_latency_ms"] = percentiles(hits) if hits else None
    report["cache_miss_latency_ms"] = percentiles(misses) if misses else None
    cold_p50 = report["cold"]["latency_ms"]["p50"]
    warm_p50 = report["warm"]["latency_ms"]["p50"]
    report["warm_over_cold_p50"] = round(warm_p50 / cold_p50, 3) if cold_p50 else None
    if args.plot:
        histogram_png(
            args.plot,
            {"cold": [r["latency_ms"] for r in results["cold"]], "warm": [r["latency_ms"] for r in results["warm"]]},
            "relaydesk: end-to-end turn latency",
        )
    if not args.json:
        print(f"cold p50/p95/p99 ms: {report['cold']['latency_ms']}")
        print(f"warm p50/p95/p99 ms: {report['warm']['latency_ms']} (cache hits {report['warm']['cache_hits']})")
        print(f"stage p50 ms: {report['stage_ms_p50']}")
        print(f"hop p50 ms (cache misses): {report['hop_ms_p50']['miss']}")
        print(f"hop p50 ms (cache hits): {report['hop_ms_p50']['hit']}")
    print(json.dumps(report))
    return 0


def _reply_of(client, row: dict) -> dict:
    got = client.get_json(f"/v1/conversations/{row['conversation_id']}/replies", {"turn_id": row["turn_id"], "wait": 1})
    items = got.get("items") or []
    return dict(items[0]["data"]) if items else {}
