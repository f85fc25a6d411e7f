"""Per-tenant raw-text retention, hot-reloaded from `tenant.config`."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from relaydesk.events import TenantConfig


@dataclass(frozen=True)
class RawRetention:
    retain_raw: bool
    raw_retention_ms: int
    revision: int = 0


class RawRetentionPolicies:
    def __init__(self, default: RawRetention) -> None:
        self.default = default
        self._by_tenant: dict[str, RawRetention] = {}
        self._lock = threading.Lock()

    def get(self, tenant_id: str) -> RawRetention:
        """What the lead's adapter needs to route a retained raw turn (topic retention per tenant)."""
        return self._by_tenant.get(tenant_id, self.default)

    def apply(self, config: TenantConfig) -> bool:
        with self._lock:
            current = self._by_tenant.get(config.tenant_id)
            if current is not None and current.revision >= config.revision:
                return False
            self._by_tenant[config.tenant_id] = RawRetention(
                config.retain_raw, config.raw_retention_ms, config.revision
            )
            return True
