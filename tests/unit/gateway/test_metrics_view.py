"""Public /metrics: tenant labels summed away, everything else kept; the full view keeps them."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

from relaydesk.gateway.metrics_view import render


def test_when_rendered_without_credential_then_no_tenant_ids_and_totals_kept() -> None:
    registry = CollectorRegistry()
    messages = Counter("m_total", "messages", ["tenant", "channel"], registry=registry)
    latency = Histogram("lat_seconds", "latency", ["tenant_id"], buckets=(1,), registry=registry)
    plain = Counter("p_total", "no tenant", ["kind"], registry=registry)
    messages.labels("acme-secret", "sms").inc(2)
    messages.labels("globex-secret", "sms").inc(3)
    latency.labels("acme-secret").observe(0.5)
    latency.labels("globex-secret").observe(2)
    plain.labels("x").inc()
    public = render(False, registry).decode()
    assert "secret" not in public
    assert 'm_total{channel="sms"} 5.0' in public
    assert 'lat_seconds_bucket{le="1.0"} 1.0' in public and "lat_seconds_count 2.0" in public
    assert 'p_total{kind="x"} 1.0' in public
    full = render(True, registry).decode()
    assert 'm_total{channel="sms",tenant="acme-secret"} 2.0' in full
