"""Settings shared by every process. Each service adds its own frozen settings class in `<service>/config.py`."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import SecretStr, ValidationInfo, field_validator, model_validator
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


SECURITY_PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
# What both client families speak (librdkafka and aiokafka). The local Tansu broker speaks none usably: see
# docs/reliability.md, "The broker's door".
SASL_MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")


class KafkaSettings(BaseSettings):
    """How to reach Kafka. The defaults suit the local Tansu broker (see NOTES on its quirks)."""

    # hide_input_in_errors: a validation error would otherwise print the SASL password it was given.
    model_config = SettingsConfigDict(env_prefix="RELAYDESK_KAFKA_", frozen=True, hide_input_in_errors=True)

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
    # After `idle_after_s` without a record, a stream processor's consumer lets the broker hold an empty fetch
    # this long instead (common/fetch_wait.py): fewer fetches when idle. 0 (or <= fetch_wait_ms) turns it off.
    # No processor may rely on order between its input topics (there is none in Kafka either): QA waits for a
    # quiet grace after a close, since a record read first may have been produced after one read later.
    idle_fetch_wait_ms: int = 250
    idle_after_s: float = 10.0
    # Broadcast views that their owner wakes when it expects records (the gateway's consoles and outbound views
    # on each request, generation's cache as it takes a turn, the dialer's feeds while it dials) read at this
    # wait once quiet for `idle_after_s` (common/two_speed.py); a record nobody announced waits one such fetch.
    view_idle_fetch_wait_ms: int = 1000
    # `earliest` everywhere: Tansu's ListOffsets(LATEST) is wrong, so `latest` would skip or replay.
    auto_offset_reset: str = "earliest"
    topic_prefix: str = ""
    partitions: int = 4
    replication_factor: int = 1

    @field_validator("security_protocol", mode="before")
    @classmethod
    def _protocol_upper(cls, value: object) -> object:
        return (value.strip().upper() or "PLAINTEXT") if isinstance(value, str) else value

    @field_validator("sasl_mechanism", "sasl_username", "sasl_password", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object, info: ValidationInfo) -> object:
        # The chart and shells hand over "" for "not set"; an empty credential is never a real one.
        if not isinstance(value, str):
            return value
        if not value.strip():
            return None
        return value.strip().upper() if info.field_name == "sasl_mechanism" else value

    @model_validator(mode="after")
    def _security_consistent(self) -> KafkaSettings:
        """Fail at start-up, by name, rather than with a broker's vague refusal (or credentials silently unused)."""
        if self.security_protocol not in SECURITY_PROTOCOLS:
            raise ValueError(f"RELAYDESK_KAFKA_SECURITY_PROTOCOL must be one of {', '.join(SECURITY_PROTOCOLS)}")
        if self.uses_sasl:
            if self.sasl_mechanism not in SASL_MECHANISMS:
                raise ValueError(f"RELAYDESK_KAFKA_SASL_MECHANISM must be one of {', '.join(SASL_MECHANISMS)}")
            unset = [n for n in ("sasl_username", "sasl_password") if getattr(self, n) is None]
            missing = [f"RELAYDESK_KAFKA_{n.upper()}" for n in unset]
            if missing:
                raise ValueError(f"{self.security_protocol} needs {' and '.join(missing)}")
        elif self.sasl_mechanism or self.sasl_username or self.sasl_password is not None:
            raise ValueError(f"SASL settings given but RELAYDESK_KAFKA_SECURITY_PROTOCOL is {self.security_protocol}")
        return self

    @property
    def uses_sasl(self) -> bool:
        return self.security_protocol.startswith("SASL_")

    @property
    def uses_tls(self) -> bool:
        return self.security_protocol in ("SSL", "SASL_SSL")

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
