"""Which intent model serves which tenant. Reloads swap a tenant's entry in one assignment, so a batch in
flight keeps the model it started with and the next batch sees the new one."""

from __future__ import annotations

from dataclasses import dataclass, field

from relaydesk.intent.classifier import PrototypeIntentModel


@dataclass
class TenantIntents:
    revision: int
    model: PrototypeIntentModel | None  # None: the tenant has no intents, every turn is out of scope


@dataclass
class IntentRegistry:
    default: PrototypeIntentModel
    tenants: dict[str, TenantIntents] = field(default_factory=dict)

    def model_for(self, tenant_id: str) -> PrototypeIntentModel | None:
        entry = self.tenants.get(tenant_id)
        return self.default if entry is None else entry.model

    def revision(self, tenant_id: str) -> int:
        entry = self.tenants.get(tenant_id)
        return 0 if entry is None else entry.revision

    def set(self, tenant_id: str, revision: int, model: PrototypeIntentModel | None) -> None:
        self.tenants[tenant_id] = TenantIntents(revision, model)
