"""Counters read from the stack's `/metrics` pages: the defined degradations (relaydesk_fallbacks_total) and
hand-offs (relaydesk_handoffs_total), summed over every worker, so a drill reports what the platform itself
counted, not what the drill inferred."""

from __future__ import annotations

import contextlib
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping

from prometheus_client.parser import text_string_to_metric_families

COUNTERS = {"relaydesk_fallbacks": ("stage", "kind"), "relaydesk_handoffs": ("reason",)}


def scrape(urls: Iterable[str], timeout_s: float = 3.0) -> tuple[dict[str, float], list[str]]:
    """`{"relaydesk_fallbacks{generation,timeout}": 3.0, ...}` summed over `urls`, and the URLs that failed."""
    totals: dict[str, float] = {}
    failed: list[str] = []
    for url in urls:
        try:
            with urllib.request.urlopen(f"{url}/metrics", timeout=timeout_s) as resp:
                text = resp.read().decode("utf-8", "replace")
        except (OSError, urllib.error.URLError):
            failed.append(url)
            continue
        for key, value in parse_counters(text).items():
            totals[key] = totals.get(key, 0.0) + value
    return totals, failed


def parse_counters(text: str) -> dict[str, float]:
    """The COUNTERS' `_total` samples of one Prometheus text page, keyed `name{label,label}`."""
    out: dict[str, float] = {}
    with contextlib.suppress(ValueError):
        for family in text_string_to_metric_families(text):
            labels_of = COUNTERS.get(family.name)
            if labels_of is None:
                continue
            for sample in family.samples:
                if sample.name.endswith("_total"):
                    key = f"{family.name}{{{','.join(sample.labels.get(n, '') for n in labels_of)}}}"
                    out[key] = out.get(key, 0.0) + sample.value
    return out


def delta(before: Mapping[str, float], after: Mapping[str, float]) -> dict[str, float]:
    keys = set(before) | set(after)
    out = {k: after.get(k, 0.0) - before.get(k, 0.0) for k in keys}
    return {k: v for k, v in sorted(out.items()) if v > 0}  # a restarted process starts its counters at 0
