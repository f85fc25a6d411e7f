"""The one place a Faust app is configured, with the broker settings that suit Kafka and the local Tansu."""

from __future__ import annotations

import ssl
from typing import Any

import faust
from faust.types.auth import CredentialsT as Credentials

from relaydesk.common import faust_transport
from relaydesk.common.settings import KafkaSettings, relaydesk_home


def broker_credentials(kafka: KafkaSettings) -> Credentials | None:
    """Faust's (aiokafka's) side of the settings' security section; confluent clients get the same from
    `KafkaSettings.confluent_config()`. TLS verifies the brokers against the system's CAs, as librdkafka does.

    Faust's SASLCredentials speaks SASL_PLAINTEXT unless it is given an SSL context, so SASL_SSL needs one here:
    without it a worker would send its SCRAM exchange in the clear to a TLS listener and never connect."""
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH) if kafka.uses_tls else None
    if kafka.uses_sasl:
        assert kafka.sasl_username is not None and kafka.sasl_password is not None  # KafkaSettings checks this
        return faust.SASLCredentials(
            username=kafka.sasl_username,
            password=kafka.sasl_password.get_secret_value(),
            mechanism=kafka.sasl_mechanism,
            ssl_context=context,
        )
    return faust.SSLCredentials(context) if context is not None else None


def make_app(
    service: str,
    kafka: KafkaSettings | None = None,
    *,
    web_host: str = "127.0.0.1",
    web_port: int = 6066,
    with_tables: bool = False,
    **overrides: Any,
) -> faust.App:
    kafka = kafka or KafkaSettings()
    if web_port == 0:
        from relaydesk.common.ports import free_port

        web_port = free_port(web_host)
    scheme = faust_transport.register(kafka.fetch_wait_ms, kafka.idle_fetch_wait_ms, kafka.idle_after_s)
    brokers = [f"{scheme}://{hostport.strip()}" for hostport in kafka.bootstrap.split(",") if hostport.strip()]
    datadir = relaydesk_home() / "faust" / f"{service}{kafka.topic_prefix.rstrip('.')}"
    datadir.parent.mkdir(parents=True, exist_ok=True)
    conf: dict[str, Any] = {
        "broker": brokers,
        # Tansu holds a JoinGroup for half the session timeout: 6 s / 1 s keeps a join near 3 s.
        "broker_session_timeout": kafka.session_timeout_s,
        "broker_heartbeat_interval": kafka.heartbeat_interval_s,
        "broker_commit_interval": 1.0,
        "consumer_auto_offset_reset": kafka.auto_offset_reset,
        "topic_partitions": kafka.partitions,
        "topic_replication_factor": kafka.replication_factor,
        "web_enabled": True,
        "web_bind": web_host,
        "web_port": web_port,
        "web_host": web_host,
        # Faust's own views are internal doors: /table/ serves table rows (conversation history, emotion
        # trends), /router/ the cluster's worker URLs, / and /graph/ its internals. Only our ops pages stay.
        "web_tables_enabled": False,
        "web_router_enabled": False,
        "web_stats_enabled": False,
        "web_graph_enabled": False,
        "web_metrics_enabled": False,
        "store": "memory://",
        "datadir": str(datadir),
        "table_standby_replicas": 0,
        "processing_guarantee": "at_least_once",
    }
    if with_tables:
        # Tansu reports a wrong high watermark, so table recovery misses updates unless every changelog
        # record sits in its own batch (NOTES.md).
        conf["producer_max_batch_size"] = 1
    if (credentials := broker_credentials(kafka)) is not None:
        conf["broker_credentials"] = credentials
    conf.update(overrides)
    suffix = f"-{kafka.topic_prefix.rstrip('.')}" if kafka.topic_prefix else ""
    return faust.App(f"relaydesk-{service}{suffix}", **conf)
