"""Per-tenant request rate limits: one token bucket per tenant (tenants are authenticated first, so the buckets
are bounded by the number of tenants), refilled continuously."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from relaydesk.gateway.config import RateLimit


@dataclass
class _Bucket:
    limit: RateLimit
    tokens: float
    at: float


class TenantRateLimiter:
    def __init__(self, limit_for: Callable[[str], RateLimit], clock: Callable[[], float] = time.monotonic) -> None:
        self._limit_for = limit_for
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, tenant_id: str) -> float:
        """0 if the request may go ahead (a token is spent), else the seconds until a token is available."""
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get(tenant_id)
            if bucket is None:
                limit = self._limit_for(tenant_id)
                bucket = self._buckets[tenant_id] = _Bucket(limit, float(limit.burst), now)
            limit = bucket.limit
            bucket.tokens = min(float(limit.burst), bucket.tokens + (now - bucket.at) * limit.per_s)
            bucket.at = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / limit.per_s


def retry_after_header(wait_s: float) -> str:
    """Retry-After takes whole seconds; round up so a client that obeys it finds a token."""
    return str(max(1, math.ceil(wait_s)))
