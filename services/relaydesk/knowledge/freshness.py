"""The freshness benchmark behind `relaydesk bench freshness`: produce knowledge updates at a fixed rate
against a live stack, poll the search endpoint until each is visible, and time concurrent customer-style
queries before (baseline) and during the updates.

Each benchmark document carries a unique reference code; it is visible when a search for that code returns
the document at (at least) the version sent. Latency runs from just before the update is produced (Kafka
produce call, or the gateway POST) to the search answer that first shows it, so it includes the producer,
the broker hop, the knowledge processor, the store and the search path. Polling every `poll_interval_s`
bounds the measurement error to one interval.
"""

from __future__ import annotations

import itertools
import math
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

LOAD_QUERIES: tuple[str, ...] = (
    "my card was stolen yesterday",
    "how long until my refund arrives",
    "can I send money to another country",
    "the parcel says delivered but I don't have it",
    "why was my payment refused",
    "银行卡丢了怎么办",
    "退款什么时候到账",
    "カードをなくしました",
    "返品の送料はかかりますか",
    "kartu saya hilang",
    "berapa lama dana refund masuk",
    "how do I change my address",
)

_TEMPLATES: tuple[tuple[str, str], ...] = (
    ("Branch opening hours", "Our customer service desk in the city centre now opens at {h}:00 on weekdays. "
     "Bring your identity document for any card collection. Reference {code}."),
    ("Scheduled maintenance", "The app will be unavailable for about {h}0 minutes on Sunday night while we "
     "upgrade our systems. Card payments keep working. Reference {code}."),
    ("Delivery notice", "Parcels to island addresses may take {h} extra working days this month because of "
     "ferry schedules. Tracking updates as usual. Reference {code}."),
    ("Fee update", "From next month the fee for a replacement card ordered more than once a year is {h} EUR. "
     "The first replacement each year stays free. Reference {code}."),
)


class Searcher(Protocol):
    def search(self, query: str, k: int, mode: str | None = None) -> list[dict[str, Any]]: ...


class UpdateSink(Protocol):
    def send(self, tenant: str, document: dict[str, Any]) -> int:
        """Produce one upsert or delete; returns the version it carries."""
        ...

    def flush(self) -> None: ...


@dataclass(frozen=True)
class FreshnessConfig:
    tenant: str
    updates: int
    rate: float
    query_rate: float = 5.0
    poll_interval_s: float = 0.025
    pollers: int = 2
    probe_batch: int = 16
    # Probes look codes up lexically (no query embedding): they measure when the index shows an update, and
    # leave the CPU to the customer-style searches whose latency is measured alongside. None: hybrid probes.
    probe_mode: str | None = "sparse"
    timeout_s: float = 15.0
    baseline_s: float = 3.0
    cleanup: bool = True


@dataclass
class _Pending:
    doc_id: str
    code: str
    version: int
    produced: float
    next_poll: float = 0.0


@dataclass
class FreshnessReport:
    latencies_ms: list[float] = field(default_factory=list)
    missing: int = 0
    produce_s: float = 0.0
    baseline_query_ms: list[float] = field(default_factory=list)
    loaded_query_ms: list[float] = field(default_factory=list)
    query_errors: int = 0
    polls: int = 0
    doc_ids: list[str] = field(default_factory=list)  # this run's benchmark documents

    def summary(self, cfg: FreshnessConfig) -> dict[str, Any]:
        lat = sorted(self.latencies_ms)
        base, loaded = sorted(self.baseline_query_ms), sorted(self.loaded_query_ms)
        out: dict[str, Any] = {
            "updates": cfg.updates,
            "rate": cfg.rate,
            "achieved_rate": round(cfg.updates / self.produce_s, 2) if self.produce_s > 0 else None,
            "visible": len(lat),
            "missing": self.missing,
            "p50_ms": percentile(lat, 0.50),
            "p95_ms": percentile(lat, 0.95),
            "p99_ms": percentile(lat, 0.99),
            "max_ms": round(lat[-1], 1) if lat else None,
            "poll_interval_ms": round(cfg.poll_interval_s * 1e3, 1),
            "polls": self.polls,
            "query_baseline_p50_ms": percentile(base, 0.50),
            "query_baseline_p99_ms": percentile(base, 0.99),
            "query_during_p50_ms": percentile(loaded, 0.50),
            "query_during_p99_ms": percentile(loaded, 0.99),
            "query_during_max_ms": round(loaded[-1], 1) if loaded else None,
            "queries_during": len(loaded),
            "query_errors": self.query_errors,
        }
        b50, l50 = out["query_baseline_p50_ms"], out["query_during_p50_ms"]
        b99, l99 = out["query_baseline_p99_ms"], out["query_during_p99_ms"]
        out["query_p50_ratio"] = round(l50 / b50, 2) if b50 and l50 else None
        out["query_p99_ratio"] = round(l99 / b99, 2) if b99 and l99 else None
        return out


def percentile(sorted_values: Sequence[float], q: float) -> float | None:
    if not sorted_values:
        return None
    rank = max(math.ceil(q * len(sorted_values)) - 1, 0)
    return round(sorted_values[rank], 1)


def bench_document(run_id: str, n: int) -> tuple[dict[str, Any], str]:
    """The n-th benchmark document and its reference code (a single search term no other text contains)."""
    title, body = _TEMPLATES[n % len(_TEMPLATES)]
    code = f"rd{run_id}x{n:05d}"
    doc = {"doc_id": f"bench-{run_id}-{n:05d}", "title": f"{title} ({n})", "body": body.format(h=7 + n % 3, code=code),
           "lang": "en", "tags": ["bench"]}
    return doc, code


def is_visible(results: Sequence[dict[str, Any]], doc_id: str, version: int) -> bool:
    return any(r.get("doc_id") == doc_id and int(r.get("version") or 0) >= version for r in results)


def run_freshness(
    cfg: FreshnessConfig,
    searcher: Searcher,
    sink: UpdateSink,
    progress: Callable[[str], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> FreshnessReport:
    report = FreshnessReport()
    run_id = secrets.token_hex(3)
    lock = threading.Lock()
    pending: dict[str, _Pending] = {}
    producing = threading.Event()
    stop = threading.Event()
    say = progress or (lambda _m: None)

    def query_loop(sink_list: list[float], until: threading.Event) -> None:
        period = 1.0 / cfg.query_rate if cfg.query_rate > 0 else 0.0
        nxt = clock()
        for n, q in enumerate(itertools.cycle(LOAD_QUERIES)):
            if until.is_set() or period == 0.0:
                return
            start = clock()
            try:
                # A number makes every query new, so a query-embedding cache cannot hide the search cost.
                searcher.search(f"{q} {n}", 5)
                sink_list.append((clock() - start) * 1e3)
            except Exception:  # a failed query counts against the run; the loop goes on
                with lock:
                    report.query_errors += 1
            nxt += period
            until.wait(max(nxt - clock(), 0.0))

    def poll_loop() -> None:
        # One search probes several pending updates at once (their codes joined): every search costs a query
        # embedding, and probing each update separately would make the probe the heaviest load on the stack.
        while True:
            with lock:
                if not pending and not producing.is_set():
                    return
                now = clock()
                due = sorted((p for p in pending.values() if p.next_poll <= now), key=lambda p: p.produced)
                due = due[: cfg.probe_batch]
                for p in due:
                    p.next_poll = math.inf  # in flight on this poller
            if not due:
                time.sleep(0.002)
                continue
            try:
                results = searcher.search(" ".join(p.code for p in due), min(50, 2 * len(due) + 4), cfg.probe_mode)
            except Exception:
                results = []
            seen_at = clock()
            with lock:
                report.polls += 1
                for p in due:
                    if is_visible(results, p.doc_id, p.version):
                        report.latencies_ms.append((seen_at - p.produced) * 1e3)
                        pending.pop(p.doc_id, None)
                    elif seen_at - p.produced > cfg.timeout_s:
                        report.missing += 1
                        pending.pop(p.doc_id, None)
                    else:
                        p.next_poll = seen_at + cfg.poll_interval_s

    # 1. Baseline: query latency with no updates flowing.
    baseline_done = threading.Event()
    t = threading.Thread(target=query_loop, args=(report.baseline_query_ms, baseline_done), daemon=True)
    t.start()
    baseline_done.wait(cfg.baseline_s)
    baseline_done.set()
    t.join()
    say(f"baseline: {len(report.baseline_query_ms)} queries")

    # 2. Updates at the target rate, with pollers and the same query load running alongside.
    producing.set()
    loaded = threading.Thread(target=query_loop, args=(report.loaded_query_ms, stop), daemon=True)
    pollers = [threading.Thread(target=poll_loop, daemon=True) for _ in range(cfg.pollers)]
    loaded.start()
    for p in pollers:
        p.start()
    docs = [bench_document(run_id, n) for n in range(cfg.updates)]
    report.doc_ids = [doc["doc_id"] for doc, _ in docs]
    start = clock()
    for n, (doc, code) in enumerate(docs):
        delay = start + n / cfg.rate - clock()
        if delay > 0:
            time.sleep(delay)
        produced = clock()
        version = sink.send(cfg.tenant, doc)
        with lock:
            pending[doc["doc_id"]] = _Pending(doc["doc_id"], code, version, produced, produced)
        if (n + 1) % max(int(cfg.rate), 1) == 0:
            say(f"produced {n + 1}/{cfg.updates}")
    sink.flush()
    report.produce_s = clock() - start
    producing.clear()
    for p in pollers:
        p.join(cfg.timeout_s + 5)
    stop.set()
    loaded.join()
    say(f"visible {len(report.latencies_ms)}/{cfg.updates}, missing {report.missing}")

    # 3. Leave the tenant's knowledge as it was.
    if cfg.cleanup:
        for doc, _ in docs:
            sink.send(cfg.tenant, {"doc_id": doc["doc_id"], "op": "delete"})
        sink.flush()
    return report


class InProcessStack:
    """The knowledge and retrieval cores over one Qdrant Edge store in this process, fed through a queue by
    a consumer thread that batches like the stage runner (up to `batch_size`, waiting `batch_within_s`).
    It isolates what the cores, the store and the embedder cost from the broker and HTTP hops."""

    def __init__(self, data_dir: str, tenant: str, batch_size: int = 16, batch_within_s: float = 0.005) -> None:
        import queue

        from relaydesk.knowledge import bootstrap as kboot
        from relaydesk.retrieval import bootstrap as rboot
        from relaydesk.vectorstore.edge import EdgeVectorStore

        self.tenant = tenant
        self.store = EdgeVectorStore(data_dir)
        self.kdeps = kboot.build_deps(store=self.store)
        self.rdeps = rboot.build_deps(store=self.store)
        self.batch_size, self.batch_within_s = batch_size, batch_within_s
        self._queue: queue.Queue[Any] = queue.Queue()
        self._consumer = threading.Thread(target=self._consume, name="knowledge-consumer", daemon=True)
        self._consumer.start()

    def preload(self, documents: Sequence[dict[str, Any]], progress: Callable[[str], None] | None = None) -> None:
        """Index documents and wait for their dense vectors, so the benchmark starts from a settled index."""
        for doc in documents:
            self.send(self.tenant, doc)
        self._queue.join()
        if self.kdeps.dense_indexer is not None:
            drain = getattr(self.kdeps.dense_indexer, "drain", None)
            if drain is not None:
                drain(600)
        if progress:
            progress(f"preloaded {len(documents)} documents")

    def send(self, tenant: str, document: dict[str, Any]) -> int:
        from relaydesk.events import KnowledgeUpdate

        update = KnowledgeUpdate(
            tenant_id=tenant, op=document.get("op", "upsert"), doc_id=document["doc_id"],
            version=time.time_ns() // 1000, title=document.get("title", ""), body=document.get("body", ""),
            lang=document.get("lang"), tags=document.get("tags", []),
        )
        self._queue.put(update)
        return update.version

    def flush(self) -> None:
        return None

    def search(self, query: str, k: int, mode: str | None = None) -> list[dict[str, Any]]:
        from relaydesk.retrieval import core as retrieval

        chosen: Any = mode
        results: list[dict[str, Any]] = retrieval.search(self.tenant, query, k, self.rdeps, chosen).to_json()["results"]
        return results

    def _consume(self) -> None:
        import queue

        from relaydesk.knowledge import core as knowledge

        while True:
            batch = [self._queue.get()]
            deadline = time.monotonic() + self.batch_within_s
            while len(batch) < self.batch_size:
                try:
                    batch.append(self._queue.get(timeout=max(deadline - time.monotonic(), 0.0)))
                except queue.Empty:
                    break
            try:
                knowledge.handle_batch(batch, self.kdeps)
            finally:
                for _ in batch:
                    self._queue.task_done()

    def close(self) -> None:
        indexer = self.kdeps.dense_indexer
        close = getattr(indexer, "close", None)
        if close is not None:
            close()
        self.store.close()
