"""Settings shared by every process. Each service adds its own frozen settings class in `<service>/config.py`."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def relaydesk_home() -> Path:
    """Where the local stack keeps its state (broker port, keys, Qdrant Edge shards, traces)."""
    return Path(os.environ.get("RELAYDESK_HOME", Path.home() / ".relaydesk")).expanduser()


def relaydesk_cache_dir() -> Path:
    """Where derived artifacts go (the converted generation model, the fitted injection classifier): things
    that can be rebuilt from the installed packages and can be shared by every stack on the machine.
    `RELAYDESK_CACHE_DIR`, else `$RELAYDESK_HOME/cache`."""
    env = os.environ.get("RELAYDESK_CACHE_DIR")
    return Path(env).expanduser() if env else relaydesk_home() / "cache"


class KafkaSettings(BaseSettings):
    """How to reach Kafka. The defaults suit the local Tansu broker (see NOTES on its quirks)."""

    model_config = SettingsConfigDict(env_prefix="RELAYDESK_KAFKA_", frozen=True)

    bootstrap: str = "127.0.0.1:9092"
    security_protocol: str = "PLAINTEXT"
    sasl_mechanism: str | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    # Tansu holds JoinGroup for half the session timeout: 6 s keeps a join near 3 s.
    session_timeout_s: float = 6.0
    heartbeat_interval_s: float = 1.0
    # The broker answers fetches by sleeping up to this long; it bounds per-hop latency.
    fetch_wait_ms: int = 20
    # `earliest` everywhere: Tansu's ListOffsets(LATEST) is wrong, so `latest` would skip or replay.
    auto_offset_reset: str = "earliest"
    topic_prefix: str = ""
    partitions: int = 4
    replication_factor: int = 1

    def topic(self, name: str) -> str:
        return f"{self.topic_prefix}{name}"

    def confluent_config(self) -> dict[str, str | int | float]:
        conf: dict[str, str | int | float] = {
            "bootstrap.servers": self.bootstrap,
            "security.protocol": self.security_protocol,
        }
        if self.sasl_mechanism:
            conf["sasl.mechanism"] = self.sasl_mechanism
        if self.sasl_username:
            conf["sasl.username"] = self.sasl_username
        if self.sasl_password is not None:
            conf["sasl.password"] = self.sasl_password.get_secret_value()
        return conf


class TelemetrySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RELAYDESK_OTEL_", frozen=True)

    exporter: str = "none"  # none | console | otlp | file
    file: Path | None = None  # for exporter=file: one JSON span per line
    service_namespace: str = "relaydesk"
