"""What the chart hands every process about Kafka security is what `KafkaSettings` accepts: each scenario's env,
with the password its Secret would hold, gives a valid security section for confluent and Faust clients alike.
(The settings refuse a half-set section, so a chart that dropped a variable would stop every pod at start-up.)"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth

from deploy.deploy_chart import RenderedChart, scenario_names, scenario_values
from relaydesk.common.faust_app import broker_credentials
from relaydesk.common.settings import KafkaSettings

pytestmark = pytest.mark.unit

SECRET_VALUE = "from-the-secret"


def _kafka_env(container: dict[str, Any]) -> dict[str, str]:
    env: dict[str, str] = {}
    for item in container.get("env", []):
        if not item["name"].startswith("RELAYDESK_KAFKA_"):
            continue
        if "valueFrom" in item:
            assert item["valueFrom"]["secretKeyRef"]["name"]  # a Secret, never an inline value
            env[item["name"]] = SECRET_VALUE
        else:
            env[item["name"]] = item["value"]
    return env


@pytest.mark.parametrize("scenario_name", scenario_names())
def test_when_rendered_then_every_process_gets_a_kafka_security_section_the_settings_accept(
    render_scenario: Callable[[str], RenderedChart], scenario_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    kafka_values = scenario_values(scenario_name).get("kafka", {})
    protocol = kafka_values.get("securityProtocol", "PLAINTEXT")
    rendered = render_scenario(scenario_name)
    pods = [*rendered.of_kind("Deployment"), *rendered.of_kind("Job")]
    checked = 0
    for pod in pods:
        for container in pod["spec"]["template"]["spec"]["containers"]:
            env = _kafka_env(container)
            if not env:
                continue  # a container that does not talk to Kafka
            with monkeypatch.context() as m:
                for name, value in env.items():
                    m.setenv(name, value)
                settings = KafkaSettings()
            assert settings.security_protocol == protocol
            checked += 1
            conf = settings.confluent_config()
            auth = credentials_to_aiokafka_auth(broker_credentials(settings))
            assert auth["security_protocol"] == conf["security.protocol"] == protocol
            if settings.uses_sasl:
                assert conf["sasl.password"] == auth["sasl_plain_password"] == SECRET_VALUE
                assert conf["sasl.mechanism"] == auth["sasl_mechanism"] == kafka_values["sasl"]["mechanism"]
    assert checked >= 2  # at least a worker and the gateway
