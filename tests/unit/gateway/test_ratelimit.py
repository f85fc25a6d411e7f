"""Per-tenant token buckets: a burst, then the configured rate, and one tenant never spends another's tokens."""

from __future__ import annotations

from clocks import ManualClock
from relaydesk.gateway.config import GatewaySettings, RateLimit
from relaydesk.gateway.ratelimit import TenantRateLimiter, retry_after_header


def test_when_burst_spent_then_wait_until_refill_and_other_tenants_unaffected() -> None:
    settings = GatewaySettings(rate_limit_per_s=2, rate_limit_burst=3,
                               tenant_rate_limits={"vip": RateLimit(per_s=100, burst=50)})
    clock = ManualClock(100.0)
    limiter = TenantRateLimiter(settings.rate_limit_for, clock)
    assert [limiter.take("acme") for _ in range(3)] == [0, 0, 0]
    wait = limiter.take("acme")
    assert 0.49 < wait <= 0.5  # one token at 2/s
    assert limiter.take("globex") == 0
    assert all(limiter.take("vip") == 0 for _ in range(50))
    clock.now += 0.5
    assert limiter.take("acme") == 0
    assert limiter.take("acme") > 0


def test_when_refilled_for_long_then_capped_at_burst() -> None:
    clock = ManualClock(100.0)
    limiter = TenantRateLimiter(lambda _: RateLimit(per_s=1, burst=2), clock)
    clock.now += 3600
    assert [limiter.take("acme") == 0 for _ in range(3)] == [True, True, False]


def test_when_retry_after_computed_then_whole_seconds_rounded_up() -> None:
    assert [retry_after_header(s) for s in (0.01, 1.0, 1.2)] == ["1", "1", "2"]
