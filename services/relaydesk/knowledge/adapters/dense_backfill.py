"""A background thread that embeds chunks written without their final dense vector and sets it with a
compare-and-set (see `relaydesk.knowledge.dense`).

Jobs are coalesced per chunk (a newer job replaces a queued older one) and embedded in small batches, so a
query embedding elsewhere in the process never waits long for the CPU. Jobs live in memory: after a crash,
`recover()` finds chunks still marked `dense_ready=0` in every tenant and queues them again.

`/metrics` shows the backlog of every indexer in the process (`relaydesk_dense_backlog`) and how long each
written vector waited (`relaydesk_dense_lag_seconds`): until the backlog is empty, new articles are found by
their words only, and an embedding thread shares the CPU with the stages (benchmarks wait for it).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from relaydesk.common import metrics
from relaydesk.embedding.base import Embedder
from relaydesk.knowledge.chunking import embed_text
from relaydesk.knowledge.dense import DenseJob
from relaydesk.knowledge.terms import Bm25Encoder
from relaydesk.knowledge.units import unit_embed_text
from relaydesk.vectorstore.base import Filter, Match, Point, VectorStore

log = logging.getLogger(__name__)

_LIVE: weakref.WeakSet[BackgroundDenseIndexer] = weakref.WeakSet()  # open indexers, for the backlog gauge


def _backlog() -> float:
    return float(sum(indexer.pending for indexer in list(_LIVE)))


metrics.DENSE_BACKLOG.set_function(_backlog)


class BackgroundDenseIndexer:
    def __init__(
        self,
        store: VectorStore,
        embedder: Embedder,
        encoder: Bm25Encoder | None = None,
        batch_size: int = 4,
        retry_backoff_s: float = 1.0,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.encoder = encoder or Bm25Encoder()  # re-encodes sparse vectors of chunks found by `recover`
        self.batch_size = batch_size
        self.retry_backoff_s = retry_backoff_s
        self._queue: OrderedDict[tuple[str, str, str], DenseJob] = OrderedDict()
        self._cond = threading.Condition()
        self._busy = 0
        self._closed = False
        self._written = 0
        self._dropped = 0
        self._lags_ms: list[float] = []
        self._thread = threading.Thread(target=self._run, name="dense-backfill", daemon=True)
        self._thread.start()
        _LIVE.add(self)

    @property
    def pending(self) -> int:
        """Jobs queued or being embedded now."""
        with self._cond:
            return len(self._queue) + self._busy

    def submit(self, jobs: Sequence[DenseJob]) -> None:
        with self._cond:
            for job in jobs:
                self._queue.pop(job.key, None)  # a newer job for the same chunk supersedes the queued one
                self._queue[job.key] = job
            self._cond.notify()

    def drain(self, timeout_s: float = 60.0) -> bool:
        """Wait until every submitted job is written or dropped (tests, benchmarks, shutdown)."""
        deadline = time.monotonic() + timeout_s
        with self._cond:
            while self._queue or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def stats(self) -> dict[str, Any]:
        with self._cond:
            lags = sorted(self._lags_ms)
            return {
                "pending": len(self._queue) + self._busy,
                "written": self._written,
                "dropped": self._dropped,
                "lag_p50_ms": _pct(lags, 0.50),
                "lag_p99_ms": _pct(lags, 0.99),
            }

    def recover(self, collection: str, page: int = 256, sparse: bool = True) -> int:
        """Queue every chunk (or, with `sparse=False`, every retrieval unit) of every tenant that still lacks
        its final vector. Returns how many."""
        pending = Filter(must=(Match("dense_ready", 0),))
        jobs = []
        for tenant in self.store.tenants(collection, pending):
            offset: str | None = None
            while True:
                records, offset = self.store.scroll(collection, tenant, pending, limit=page, offset=offset)
                for r in records:
                    p = r.payload
                    title, body = str(p.get("title", "")), str(p.get("text", ""))
                    if sparse:
                        text = embed_text(title, body)
                        terms = self.encoder.document(text, p.get("lang"))
                    else:
                        text, terms = unit_embed_text(str(p.get("kind", "")), title, body), None
                    payload = {k: v for k, v in p.items() if k != "tenant_id"}
                    point = Point(r.id, tenant, payload, None, terms)
                    jobs.append(DenseJob(collection, point, text, str(p.get("content_hash", ""))))
                if offset is None:
                    break
        self.submit(jobs)
        return len(jobs)

    def close(self, drain_s: float = 5.0) -> None:
        self.drain(drain_s)
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._thread.join(timeout=drain_s)
        _LIVE.discard(self)

    # --- the worker ---------------------------------------------------------------------------------

    def _take(self) -> list[DenseJob] | None:
        with self._cond:
            while not self._queue and not self._closed:
                self._cond.wait()
            if self._closed:
                return None
            batch: list[DenseJob] = []
            while self._queue and len(batch) < self.batch_size:
                batch.append(self._queue.popitem(last=False)[1])
            self._busy = len(batch)
            return batch

    def _run(self) -> None:
        _lower_priority()
        while True:
            batch = self._take()
            if batch is None:
                return
            try:
                self._index(batch)
            except Exception as exc:  # keep the thread alive; the jobs go back unless superseded meanwhile
                log.warning("dense backfill failed (%s) for %d chunks; retrying", type(exc).__name__, len(batch))
                with self._cond:
                    for job in batch:
                        self._queue.setdefault(job.key, job)
                time.sleep(self.retry_backoff_s)
            finally:
                with self._cond:
                    self._busy = 0
                    self._cond.notify_all()

    def _index(self, batch: list[DenseJob]) -> None:
        vectors = self.embedder.embed_passages([job.text for job in batch])
        done = time.monotonic()
        written = dropped = 0
        for job, vec in zip(batch, vectors, strict=True):
            before = self.store.get(job.collection, job.point.tenant_id, [job.point.id])
            current = before[0].payload if before else {}
            same = current.get("content_hash") == job.content_hash
            if not same or current.get("version") != job.point.payload["version"]:
                dropped += 1  # overtaken by a newer version (or deleted): its own job carries the new text
                continue
            self.store.upsert(job.collection, [job.completed(vec)], only_if=job.guard())
            written += 1
            metrics.DENSE_LAG.observe(max(time.monotonic() - job.submitted_at, 0.0))
        with self._cond:
            self._written += written
            self._dropped += dropped
            self._lags_ms.extend((done - job.submitted_at) * 1e3 for job in batch)
            del self._lags_ms[:-10_000]


def _lower_priority(niceness: int = 10) -> None:
    """Linux schedules threads individually: niced, this thread yields the CPU to searches and to the update
    stream, so a backlog of embeddings slows only itself."""
    with contextlib.suppress(AttributeError, OSError):  # not Linux, or not permitted: normal priority
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), niceness)


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    return round(values[min(int(q * len(values)), len(values) - 1)], 1)
