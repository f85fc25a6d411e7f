"""`relaydesk bench freshness --updates N --rate R [--json]`: against the running stack, produce N knowledge
updates at R per second (straight to Kafka, or through the gateway) while customer-style searches run, and
report produced -> visible-in-search p50/p95/p99 and the search latency during updates against a baseline
measured in the same run. With --json the last line is a JSON object (p50_ms, p95_ms, p99_ms, ...)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--updates", type=int, default=200)
    parser.add_argument("--rate", type=float, default=20.0, help="updates per second")
    parser.add_argument("--tenant", default="demo")
    parser.add_argument("--via", choices=("kafka", "gateway", "in-process"), default="kafka",
                        help="produce to the knowledge.updates topic directly, POST through the gateway, or "
                        "drive the knowledge and retrieval cores in this process (no stack needed)")
    parser.add_argument("--query-rate", type=float, default=5.0, help="concurrent searches per second")
    parser.add_argument("--poll-ms", type=float, default=25.0, help="how often a pending update is searched")
    parser.add_argument("--timeout", type=float, default=15.0, help="seconds before an update counts as missing")
    parser.add_argument("--baseline", type=float, default=5.0, help="seconds of searches before the updates")
    parser.add_argument("--probe", choices=("sparse", "hybrid"), default="sparse",
                        help="how pending updates are looked up: lexically by their code (no query embedding), "
                        "or with the full hybrid search")
    parser.add_argument("--keep", action="store_true", help="leave the benchmark documents in the index")
    parser.add_argument("--json", action="store_true", help="end with one JSON line")


class GatewaySearcher:
    def __init__(self, client: Any) -> None:
        self.client = client

    def search(self, query: str, k: int, mode: str | None = None) -> list[dict[str, Any]]:
        answer = self.client.get_json("/v1/knowledge/search", {"q": query, "k": k, "mode": mode})
        return list(answer.get("results", []))


class GatewaySink:
    def __init__(self, client: Any) -> None:
        self.client = client

    def send(self, tenant: str, document: dict[str, Any]) -> int:
        del tenant  # the API key names it
        answer = self.client.post_json("/v1/knowledge/documents", {"documents": [document]})
        return int(answer["versions"][0])

    def flush(self) -> None:
        return None


class KafkaSink:
    """Any producer may write knowledge updates; this one is what a CMS change feed would do."""

    def __init__(self, bootstrap: str) -> None:
        from confluent_kafka import Producer

        from relaydesk.common.settings import KafkaSettings
        from relaydesk.common.topics import Topics

        settings = KafkaSettings(bootstrap=bootstrap)
        self.topic = settings.topic(Topics.KNOWLEDGE_UPDATES)
        self.producer = Producer({**settings.confluent_config(), "linger.ms": 0, "acks": "all"})
        self.failed = 0

    def send(self, tenant: str, document: dict[str, Any]) -> int:
        from relaydesk.common import serde
        from relaydesk.events import KnowledgeUpdate

        update = KnowledgeUpdate(
            tenant_id=tenant,
            op=document.get("op", "upsert"),
            doc_id=document["doc_id"],
            version=time.time_ns() // 1000,
            title=document.get("title", ""),
            body=document.get("body", ""),
            lang=document.get("lang"),
            tags=document.get("tags", []),
        )
        self.producer.produce(self.topic, serde.serialize(update), key=update.key(), on_delivery=self._delivered)
        self.producer.poll(0)
        return update.version

    def _delivered(self, err: Any, _msg: Any) -> None:
        if err is not None:
            self.failed += 1

    def flush(self) -> None:
        self.producer.flush(10)


class AppliedWatcher:
    """Reads `knowledge.applied` alongside the run, so the total splits into produced -> applied (producer,
    broker hop, the worker's fetch wait and batching, the knowledge core) and applied -> visible (the search
    probe: poll interval, gateway and worker HTTP hops, the search). Partitions are assigned, not joined
    (no group join), and read from the start (Tansu's end offsets are wrong)."""

    def __init__(self, bootstrap: str, prefix: str) -> None:
        import threading

        from confluent_kafka import Consumer, TopicPartition

        from relaydesk.common.kafka import consumer_config
        from relaydesk.common.settings import KafkaSettings
        from relaydesk.common.topics import Topics

        settings = KafkaSettings(bootstrap=bootstrap)
        conf = consumer_config(settings, f"bench-freshness-{time.time_ns()}", **{"fetch.wait.max.ms": 10})
        self._consumer = Consumer(conf)
        topic = settings.topic(Topics.KNOWLEDGE_APPLIED)
        meta = self._consumer.list_topics(topic, timeout=10).topics[topic]
        self._consumer.assign([TopicPartition(topic, p, -2) for p in meta.partitions])  # -2: beginning
        self.prefix = prefix
        self.applied_ms: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="applied-watcher", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        from relaydesk.common import serde
        from relaydesk.events import KnowledgeApplied

        while not self._stop.is_set():
            msg = self._consumer.poll(0.1)
            if msg is None or msg.error() is not None:
                continue
            try:
                event = serde.deserialize(msg.value() or b"", KnowledgeApplied)
            except Exception:  # another producer's record this bench cannot read: not ours
                continue
            if event.doc_id.startswith(self.prefix) and event.op == "upsert":
                self.applied_ms.setdefault(event.doc_id, event.freshness_ms)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._consumer.close()


def applied_summary(applied_ms: dict[str, float], doc_ids: list[str]) -> dict[str, Any]:
    """produced -> applied of this run's documents (the topic also holds earlier runs')."""
    from relaydesk.knowledge.freshness import percentile

    values = sorted(applied_ms[d] for d in doc_ids if d in applied_ms)
    return {"applied_seen": len(values), "applied_p50_ms": percentile(values, 0.5),
            "applied_p95_ms": percentile(values, 0.95), "applied_p99_ms": percentile(values, 0.99)}


def human(summary: dict[str, Any]) -> list[str]:
    return [
        f"updates: {summary['visible']}/{summary['updates']} visible, {summary['missing']} missing, "
        f"target {summary['rate']}/s, achieved {summary['achieved_rate']}/s",
        f"produced -> visible in search: p50 {summary['p50_ms']} ms, p95 {summary['p95_ms']} ms, "
        f"p99 {summary['p99_ms']} ms, max {summary['max_ms']} ms (polled every {summary['poll_interval_ms']} ms)",
        f"search latency: baseline p50 {summary['query_baseline_p50_ms']} ms / p99 {summary['query_baseline_p99_ms']} "
        f"ms; during updates p50 {summary['query_during_p50_ms']} ms / p99 {summary['query_during_p99_ms']} ms "
        f"(x{summary['query_p50_ratio']} / x{summary['query_p99_ratio']}), errors {summary['query_errors']}",
    ] + ([
        f"produced -> applied (knowledge.applied freshness_ms, {summary['applied_seen']} seen): "
        f"p50 {summary['applied_p50_ms']} ms, p95 {summary['applied_p95_ms']} ms, p99 {summary['applied_p99_ms']} ms"
    ] if "applied_seen" in summary else [])


def run(args: argparse.Namespace) -> int:
    from relaydesk.cli.gateway_client import GatewayClient, GatewayError
    from relaydesk.knowledge.freshness import FreshnessConfig, run_freshness

    if args.updates < 1 or args.rate <= 0:
        print("bench freshness: --updates must be >= 1 and --rate > 0", file=sys.stderr)
        return 2
    say = lambda m: print(f"bench freshness: {m}", file=sys.stderr)  # noqa: E731
    sink: Any
    searcher: Any
    local = None
    watcher: AppliedWatcher | None = None
    if args.via == "in-process":
        import tempfile

        from relaydesk.knowledge.demo import load_demo_documents
        from relaydesk.knowledge.freshness import InProcessStack

        tmp = tempfile.mkdtemp(prefix="relaydesk-freshness-")
        local = sink = searcher = InProcessStack(tmp, args.tenant)
        say("indexing the demo help centre first")
        local.preload(load_demo_documents(), say)
    else:
        client = GatewayClient.for_tenant(args.tenant, timeout_s=10)
        searcher = GatewaySearcher(client)
        try:
            searcher.search("card", 1)
        except (GatewayError, OSError) as exc:
            print(f"bench freshness: the search endpoint is not answering ({exc})", file=sys.stderr)
            return 1
        from relaydesk.stack.state import load_state

        broker = load_state().broker
        sink = KafkaSink(broker) if args.via == "kafka" else GatewaySink(client)
        try:
            watcher = AppliedWatcher(broker, "bench-")
        except Exception as exc:  # the breakdown is optional: the benchmark's figure does not depend on it
            say(f"not reading knowledge.applied ({type(exc).__name__}): no produced -> applied split")
    cfg = FreshnessConfig(
        tenant=args.tenant,
        updates=args.updates,
        rate=args.rate,
        query_rate=args.query_rate,
        poll_interval_s=args.poll_ms / 1e3,
        timeout_s=args.timeout,
        baseline_s=args.baseline,
        cleanup=not args.keep,
        probe_mode="sparse" if args.probe == "sparse" else None,
    )
    try:
        report = run_freshness(cfg, searcher, sink, progress=say)
    finally:
        if local is not None:
            local.close()
        if watcher is not None:
            watcher.close()
    summary = report.summary(cfg)
    if watcher is not None:
        summary.update(applied_summary(watcher.applied_ms, report.doc_ids))
    summary["via"] = args.via
    summary["probe"] = args.probe
    for line in human(summary):
        print(line)
    if args.json:
        print(json.dumps(summary))
    return 0 if summary["visible"] else 1
