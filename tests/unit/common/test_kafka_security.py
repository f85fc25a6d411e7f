"""The Kafka settings' security section: one set of RELAYDESK_KAFKA_* variables gives the confluent clients their
config keys and the Faust workers (aiokafka) their broker_credentials, and a half-configured one fails by name."""

from __future__ import annotations

import os
import ssl
from pathlib import Path
from typing import Any

import pytest
from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth
from pydantic import ValidationError

from relaydesk.common.faust_app import broker_credentials, make_app
from relaydesk.common.settings import KafkaSettings

PASSWORD = "hunter2-not-in-any-log"


@pytest.fixture(autouse=True)
def _no_kafka_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in os.environ if n.startswith("RELAYDESK_KAFKA_")]:
        monkeypatch.delenv(name)


def sasl(protocol: str = "SASL_PLAINTEXT", mechanism: str = "SCRAM-SHA-256") -> dict[str, Any]:
    return {"security_protocol": protocol, "sasl_mechanism": mechanism, "sasl_username": "relaydesk",
            "sasl_password": PASSWORD}


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({}, {"security.protocol": "PLAINTEXT"}),  # the local stack: nothing else
        ({"security_protocol": "SSL"}, {"security.protocol": "SSL"}),  # TLS, no SASL
        (sasl(), {"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "SCRAM-SHA-256",
                  "sasl.username": "relaydesk", "sasl.password": PASSWORD}),
        (sasl("SASL_SSL", "SCRAM-SHA-512"), {"security.protocol": "SASL_SSL", "sasl.mechanism": "SCRAM-SHA-512",
                                             "sasl.username": "relaydesk", "sasl.password": PASSWORD}),
        (sasl("sasl_ssl", "plain"), {"security.protocol": "SASL_SSL", "sasl.mechanism": "PLAIN",  # any case
                                     "sasl.username": "relaydesk", "sasl.password": PASSWORD}),
        ({"security_protocol": "", "sasl_mechanism": "", "sasl_username": "", "sasl_password": ""},
         {"security.protocol": "PLAINTEXT"}),  # empty values (a chart's unset keys) mean unset
    ],
)
def test_when_security_is_set_then_confluent_clients_get_exactly_these_keys(
    given: dict[str, Any], expected: dict[str, str]
) -> None:
    conf = KafkaSettings(bootstrap="b:9096", **given).confluent_config()
    assert conf == {"bootstrap.servers": "b:9096", **expected}


def test_when_the_env_holds_the_production_variables_then_every_field_is_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in {"BOOTSTRAP": "b-1:9096", "SECURITY_PROTOCOL": "SASL_SSL", "SASL_MECHANISM": "SCRAM-SHA-512",
                        "SASL_USERNAME": "relaydesk", "SASL_PASSWORD": PASSWORD}.items():
        monkeypatch.setenv(f"RELAYDESK_KAFKA_{name}", value)
    settings = KafkaSettings()
    assert settings.confluent_config()["sasl.password"] == PASSWORD
    assert (settings.uses_sasl, settings.uses_tls) == (True, True)
    assert PASSWORD not in repr(settings) and PASSWORD not in str(settings)


@pytest.mark.parametrize(
    ("given", "named"),
    [
        ({"security_protocol": "SASL_SSL"}, "RELAYDESK_KAFKA_SASL_MECHANISM"),  # no mechanism
        ({**sasl(), "sasl_mechanism": "GSSAPI"}, "RELAYDESK_KAFKA_SASL_MECHANISM"),  # not spoken by both clients
        ({**sasl(), "sasl_password": None}, "RELAYDESK_KAFKA_SASL_PASSWORD"),  # the Secret did not arrive
        ({**sasl(), "sasl_username": " "}, "RELAYDESK_KAFKA_SASL_USERNAME"),  # blank is unset
        ({"sasl_username": "relaydesk", "sasl_password": PASSWORD}, "RELAYDESK_KAFKA_SECURITY_PROTOCOL"),  # unused
        ({"security_protocol": "TLS"}, "RELAYDESK_KAFKA_SECURITY_PROTOCOL"),  # not a Kafka protocol name
    ],
)
def test_when_security_is_half_configured_then_settings_fail_by_name_without_the_password(
    given: dict[str, Any], named: str
) -> None:
    with pytest.raises(ValidationError) as err:
        KafkaSettings(**given)
    assert named in str(err.value)
    assert PASSWORD not in str(err.value)


@pytest.mark.parametrize(
    ("given", "protocol", "mechanism", "tls"),
    [
        ({}, "PLAINTEXT", None, False),  # no credentials object at all
        ({"security_protocol": "SSL"}, "SSL", None, True),
        (sasl(), "SASL_PLAINTEXT", "SCRAM-SHA-256", False),
        (sasl("SASL_SSL", "SCRAM-SHA-512"), "SASL_SSL", "SCRAM-SHA-512", True),  # the managed-Kafka case
    ],
)
def test_when_security_is_set_then_faust_workers_speak_the_same_protocol(
    given: dict[str, Any], protocol: str, mechanism: str | None, tls: bool
) -> None:
    # Faust's own mapping onto aiokafka's arguments, as its consumer, producer and admin client call it.
    auth = credentials_to_aiokafka_auth(broker_credentials(KafkaSettings(**given)))
    assert auth["security_protocol"] == protocol
    assert auth.get("sasl_mechanism") == mechanism
    if mechanism:
        assert (auth["sasl_plain_username"], auth["sasl_plain_password"]) == ("relaydesk", PASSWORD)
    context = auth.get("ssl_context")
    assert (context is not None) is tls
    if context is not None:  # the brokers' certificates are checked, host names included
        assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


def test_when_a_worker_app_is_made_with_sasl_then_its_conf_carries_the_credentials(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("RELAYDESK_HOME", str(tmp_path))
    app = make_app("security-test", KafkaSettings(bootstrap="127.0.0.1:1", **sasl("SASL_SSL")), web_port=6098)
    credentials = app.conf.broker_credentials
    assert credentials is not None
    assert (credentials.protocol.value, credentials.mechanism.value) == ("SASL_SSL", "SCRAM-SHA-256")
    assert PASSWORD not in repr(credentials)
