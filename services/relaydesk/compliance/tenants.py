"""Per-tenant compliance policy, hot-reloaded from `tenant.config`."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from relaydesk.compliance.claims import ClaimPolicy, tenant_policy
from relaydesk.events import TenantConfig


@dataclass(frozen=True)
class TenantCompliancePolicy:
    claims: ClaimPolicy
    review_share: float
    revision: int = 0
    streaming: bool = True  # partial replies go out through the checked stream; False: none at all


class TenantPolicies:
    def __init__(self, default: TenantCompliancePolicy) -> None:
        self.default = default
        self._by_tenant: dict[str, TenantCompliancePolicy] = {}
        self._lock = threading.Lock()

    def get(self, tenant_id: str) -> TenantCompliancePolicy:
        return self._by_tenant.get(tenant_id, self.default)

    def apply(self, config: TenantConfig) -> bool:
        """Install the config's policy unless an equal or newer revision is already in place (the compacted
        topic replays old revisions on restart). Returns whether it was installed."""
        with self._lock:
            current = self._by_tenant.get(config.tenant_id)
            if current is not None and current.revision >= config.revision:
                return False
            self._by_tenant[config.tenant_id] = TenantCompliancePolicy(
                claims=tenant_policy(config.forbidden_claims),
                review_share=config.review_share,
                revision=config.revision,
                streaming=config.streaming,
            )
            return True
