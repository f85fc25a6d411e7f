"""Wait for the knowledge worker's background dense indexing before a benchmark measures the stack.

Right after `relaydesk up` the demo knowledge is searchable by its words at once, while its dense vectors are
embedded in the background for a minute or two (about 50 CPU-seconds on two cores). A latency or idle figure
taken meanwhile measures that thread as much as the stack: on one stack, cache hits took 172 ms p50 during it
and 135-141 ms after it (docs/benchmarks.md). So the stack benchmarks read `relaydesk_dense_backlog` from the
knowledge worker's `/metrics` and wait, with a progress bar, until it is empty.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from relaydesk.bench.stats import progress

BACKLOG_METRIC = "relaydesk_dense_backlog"
KNOWLEDGE_ENDPOINT = "worker-knowledge"


def dense_backlog(base_url: str, timeout_s: float = 5.0) -> float | None:
    """The backlog a worker's `/metrics` reports; None if it cannot be read or the worker has no indexer."""
    try:
        resp = httpx.get(f"{base_url.rstrip('/')}/metrics", timeout=timeout_s)
        resp.raise_for_status()
    except httpx.HTTPError:
        return None
    for family in text_string_to_metric_families(resp.text):
        if family.name == BACKLOG_METRIC:
            return sum(sample.value for sample in family.samples)
    return None


def wait_for_dense_backlog(
    endpoints: dict[str, str],
    timeout_s: float,
    poll_s: float = 1.0,
    read: Callable[[str], float | None] = dense_backlog,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Block until the knowledge worker's backlog is empty or `timeout_s` passes (0: do not wait). Returns what
    a benchmark report carries: the backlog found, the seconds waited and what was left (None: not readable)."""
    url = endpoints.get(KNOWLEDGE_ENDPOINT)
    first = read(url) if url else None
    report: dict[str, Any] = {"at_start": first, "waited_s": 0.0, "left": first}
    if url is None or first is None or first <= 0 or timeout_s <= 0:
        return report
    started = clock()
    left: float | None = first
    while left is not None and left > 0 and clock() - started < timeout_s:
        progress(int(max(first - left, 0)), int(max(first, left)), "dense backfill")
        sleep(poll_s)
        left = read(url)
    if left is not None and left <= 0:
        progress(int(first), int(first), "dense backfill")
    else:
        sys.stderr.write(f"\ndense backfill: {left} still queued after {timeout_s:.0f}s; measuring anyway\n")
    report.update(waited_s=round(clock() - started, 1), left=left)
    return report


def wait_for_local_stack(timeout_s: float) -> dict[str, Any]:
    """`wait_for_dense_backlog` on the stack in `$RELAYDESK_HOME`; nothing to wait for without one (a gateway
    given by URL, a cluster)."""
    from relaydesk.stack.state import load_state

    try:
        endpoints = load_state().endpoints
    except Exception:  # no local stack: the benchmark measures whatever the gateway URL points at
        endpoints = {}
    return wait_for_dense_backlog(endpoints, timeout_s)
