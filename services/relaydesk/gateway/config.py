from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from relaydesk.common.settings import relaydesk_home


class GatewaySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RELAYDESK_GATEWAY_", frozen=True)

    host: str = "127.0.0.1"
    port: int = 8080
    # JSON {"tenants": {tenant_id: {"key_sha256": hex, ...}}}; re-read when it changes on disk.
    keys_file: Path = Field(default_factory=lambda: relaydesk_home() / "gateway-keys.json")
    admin_key: SecretStr | None = None
    # Where the knowledge worker answers searches (it owns the embedded Qdrant shard).
    search_url: str = "http://127.0.0.1:6067"
    reply_wait_max_s: float = 60.0
    conversations_kept: int = 20_000
    items_per_conversation: int = 64
    max_documents_per_request: int = 500
