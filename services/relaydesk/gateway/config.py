from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from relaydesk.common.settings import relaydesk_home


class RateLimit(BaseModel):
    """A token bucket: `per_s` requests a second on average, bursts of up to `burst`."""

    per_s: float = Field(gt=0)
    burst: int = Field(ge=1)


class GatewaySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RELAYDESK_GATEWAY_", frozen=True, populate_by_name=True)

    host: str = "127.0.0.1"
    port: int = 8080
    # JSON {"tenants": {tenant_id: {"key_sha256": hex, ...}}}; re-read when it changes on disk.
    keys_file: Path = Field(default_factory=lambda: relaydesk_home() / "gateway-keys.json")
    admin_key: SecretStr | None = None
    # The service token shared by the platform's own components; with the admin key, it unlocks the
    # per-tenant series on /metrics.
    internal_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("RELAYDESK_GATEWAY_INTERNAL_TOKEN", "RELAYDESK_INTERNAL_TOKEN")
    )
    # Where the knowledge worker answers searches (it owns the embedded Qdrant shard).
    search_url: str = "http://127.0.0.1:6067"
    reply_wait_max_s: float = 60.0
    # The reply view's idle reader (common/two_speed.py): once no reply came and no turn was sent for the
    # broker's `idle_after_s`, only a reader with this fetch wait polls; the next turn wakes the fast one.
    # At or under the broker's `fetch_wait_ms` (or with `idle_fetch_wait_ms` off), one fast reader polls always.
    replies_idle_fetch_wait_ms: int = 1000
    # Replies held for clients to fetch: in total, per tenant (so one tenant cannot evict the others'), and the
    # latest items of each conversation.
    conversations_kept: int = 20_000
    conversations_per_tenant: int = 5_000
    items_per_conversation: int = 64
    # Long-polls and event streams one tenant may hold open on this replica at once.
    waiters_per_tenant: int = 1_000
    max_documents_per_request: int = 500
    # Local stack only: keep the latest tenant configs here, for `relaydesk up` to publish again after a restart
    # (the local broker keeps nothing). Unset in a cluster, where Kafka keeps the compacted topic.
    config_snapshot_file: Path | None = None
    # Per-tenant request rate (token bucket per tenant, over every tenant route); `tenant_rate_limits`
    # overrides it per tenant, e.g. RELAYDESK_GATEWAY_TENANT_RATE_LIMITS='{"acme": {"per_s": 5, "burst": 10}}'.
    rate_limit_per_s: float = Field(default=200.0, gt=0)
    rate_limit_burst: int = Field(default=400, ge=1)
    tenant_rate_limits: dict[str, RateLimit] = Field(default_factory=dict)

    def rate_limit_for(self, tenant_id: str) -> RateLimit:
        return self.tenant_rate_limits.get(tenant_id) or RateLimit(
            per_s=self.rate_limit_per_s, burst=self.rate_limit_burst
        )
