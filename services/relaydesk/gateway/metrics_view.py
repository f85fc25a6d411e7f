"""What `/metrics` shows to whom.

Scrapers get every series without a credential, but with tenant labels summed away: which tenants a deployment
serves is its customers' business, and a Prometheus scrape needs no secret to alert on totals. The admin key or
the internal service token unlocks the per-tenant series. The rule is by label name, so a metric someone adds
later with a tenant label is covered too.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from prometheus_client import REGISTRY, generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector
from prometheus_client.samples import Sample

TENANT_LABELS = frozenset({"tenant", "tenant_id"})


def _without_tenants(family: Metric) -> Metric:
    if not any(TENANT_LABELS & sample.labels.keys() for sample in family.samples):
        return family
    totals: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for sample in family.samples:
        if sample.name.endswith("_created"):
            continue  # a creation time per tenant has no meaningful sum
        labels = tuple(sorted((k, v) for k, v in sample.labels.items() if k not in TENANT_LABELS))
        key = (sample.name, labels)
        totals[key] = totals.get(key, 0.0) + sample.value
    out = Metric(family.name, family.documentation, family.type, family.unit)
    out.samples = [Sample(name, dict(labels), value) for (name, labels), value in totals.items()]
    return out


class _Public(Collector):
    def __init__(self, source: Iterable[Metric]) -> None:
        self._source = source

    def collect(self) -> Iterator[Metric]:
        for family in self._source:
            yield _without_tenants(family)


def render(full: bool, registry: Collector = REGISTRY) -> bytes:
    if full:
        return generate_latest(registry)
    return generate_latest(_Public(registry.collect()))
