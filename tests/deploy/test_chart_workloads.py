"""The gateway, the stream processors and the topic Job run the right commands with the right settings."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from deploy.deploy_chart import RenderedChart

pytestmark = pytest.mark.unit

STAGES = ("guard", "intent", "emotion", "knowledge", "retrieval", "generation", "compliance")
# Workers beyond the reply path, on by default too (the simulated carrier is off: it only serves demos).
MORE_WORKERS = ("conversations", "assist", "campaigns", "qa")
COMMON_ENV = (
    "RELAYDESK_HOME",
    "HF_HUB_OFFLINE",
    "TRANSFORMERS_OFFLINE",
    "RELAYDESK_KAFKA_BOOTSTRAP",
    "RELAYDESK_KAFKA_SECURITY_PROTOCOL",
    "RELAYDESK_KAFKA_PARTITIONS",
    "RELAYDESK_OTEL_EXPORTER",
)
Render = Callable[[dict[str, Any]], RenderedChart]


def _container(rendered: RenderedChart, kind: str, name: str) -> dict[str, Any]:
    container: dict[str, Any] = rendered.named(kind, name)["spec"]["template"]["spec"]["containers"][0]
    return container


def _env(container: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container.get("env", [])}


def test_when_default_values_then_one_deployment_per_stage_runs_its_worker(
    render_scenario: Callable[[str], RenderedChart],
) -> None:
    rendered = render_scenario("default")
    for stage in STAGES:
        container = _container(rendered, "Deployment", f"relaydesk-{stage}")
        assert container["args"] == ["worker", stage]
        assert container["image"] == "ghcr.io/relaydesk/relaydesk:0.1.0"
        env = _env(container)
        assert env["RELAYDESK_WORKER_WEB_HOST"] == "0.0.0.0"
        assert env["RELAYDESK_WORKER_WEB_PORT"] == "6066"
        assert container["ports"] == [{"name": "web", "containerPort": 6066, "protocol": "TCP"}]
        assert set(COMMON_ENV) <= set(env)
    for stage in MORE_WORKERS:
        assert _container(rendered, "Deployment", f"relaydesk-{stage}")["args"] == ["worker", stage]
    assert len(rendered.of_kind("Deployment")) == len(STAGES) + len(MORE_WORKERS) + 1


def test_when_default_values_then_gateway_listens_on_all_interfaces_with_keys_from_a_secret(
    render_scenario: Callable[[str], RenderedChart],
) -> None:
    rendered = render_scenario("default")
    container = _container(rendered, "Deployment", "relaydesk-gateway")
    assert container["args"] == ["gateway", "--host", "0.0.0.0", "--port", "8080"]
    env = _env(container)
    assert env["RELAYDESK_GATEWAY_KEYS_FILE"] == "/etc/relaydesk/gateway/keys.json"
    assert env["RELAYDESK_GATEWAY_ADMIN_KEY"] == {"secretKeyRef": {"name": "relaydesk-gateway", "key": "admin-key"}}
    mount = next(m for m in container["volumeMounts"] if m["name"] == "gateway-keys")
    assert mount == {"name": "gateway-keys", "mountPath": "/etc/relaydesk/gateway", "readOnly": True}
    secret = rendered.named("Secret", "relaydesk-gateway")
    assert json.loads(base64.b64decode(secret["data"]["keys.json"])) == {"tenants": {}}
    assert len(base64.b64decode(secret["data"]["admin-key"])) == 48
    assert _env(container)["RELAYDESK_GATEWAY_SEARCH_URL"] == "http://relaydesk-retrieval:6066"


@pytest.mark.parametrize(
    ("keys", "admin_key"),
    [
        ({"acme": "rdk_acme_1"}, ""),  # one tenant, generated admin key
        ({"acme": "rdk_acme_1", "globex": "rdk_globex_2"}, "given-admin-key"),  # two tenants, admin key given
    ],
)
def test_when_tenant_hashes_given_then_the_gateway_key_store_accepts_exactly_those_keys(
    render: Render, tmp_path: Path, keys: dict[str, str], admin_key: str
) -> None:
    from relaydesk.gateway.auth import KeyStore, hash_key

    hashes = {tenant: hash_key(key) for tenant, key in keys.items()}
    rendered = render({"gateway": {"auth": {"tenantKeyHashes": hashes, "adminKey": admin_key}}})
    data = rendered.named("Secret", "relaydesk-gateway")["data"]
    keys_file = tmp_path / "keys.json"
    keys_file.write_bytes(base64.b64decode(data["keys.json"]))
    store = KeyStore(keys_file)
    assert store.tenants() == sorted(keys)
    for tenant, key in keys.items():
        assert store.tenant_for(key) == tenant
    assert store.tenant_for("rdk_acme_wrong") is None
    if admin_key:
        assert base64.b64decode(data["admin-key"]).decode() == admin_key


def test_when_gateway_keys_change_then_the_pods_roll(render: Render) -> None:
    def checksum(hashes: dict[str, str]) -> str:
        rendered = render({"gateway": {"auth": {"tenantKeyHashes": hashes}}})
        annotations = rendered.named("Deployment", "relaydesk-gateway")["spec"]["template"]["metadata"]["annotations"]
        value: str = annotations["checksum/tenant-keys"]
        return value

    assert checksum({"acme": "a" * 64}) != checksum({"acme": "b" * 64})


@pytest.mark.parametrize("stage", ["knowledge", "retrieval"])
@pytest.mark.parametrize(
    ("scenario_name", "url", "secret"),
    [
        # the bundled Qdrant chart, with the API key it generates
        ("default", "http://relaydesk-qdrant:6333", {"name": "relaydesk-qdrant-apikey", "key": "api-key"}),
        # a Qdrant run elsewhere, its key in an existing Secret
        ("external-services", "https://qdrant.vectors.internal:6333", {"name": "relaydesk-qdrant", "key": "api-key"}),
        # a Qdrant without an API key
        ("minimal", "http://qdrant.vectors.svc:6333", None),
    ],
)
def test_when_vector_store_configured_then_knowledge_and_retrieval_reach_it(
    render_scenario: Callable[[str], RenderedChart],
    stage: str,
    scenario_name: str,
    url: str,
    secret: dict[str, str] | None,
) -> None:
    env = _env(_container(render_scenario(scenario_name), "Deployment", f"relaydesk-{stage}"))
    assert env["RELAYDESK_VECTORSTORE_BACKEND"] == "qdrant"
    assert env["RELAYDESK_VECTORSTORE_URL"] == url
    if secret is None:
        assert "RELAYDESK_VECTORSTORE_API_KEY" not in env
    else:
        assert env["RELAYDESK_VECTORSTORE_API_KEY"] == {"secretKeyRef": secret}


@pytest.mark.parametrize(
    ("release_values", "url"),
    [
        # KubeRay's Service in front of the Serve proxies, with the app's route
        ({}, "http://relaydesk-llm-serve-svc:8000/generate"),
        ({"rayService": {"serve": {"routePrefix": "/llm"}}}, "http://relaydesk-llm-serve-svc:8000/llm"),
        # an existing Serve: a bare host:port gets the client's default route
        (
            {"rayService": {"enabled": False, "externalServeUrl": "http://serve.ml:8000"}},
            "http://serve.ml:8000/generate",
        ),
    ],
)
def test_when_rendered_then_generation_worker_calls_the_app_on_ray_serve(
    render: Render, release_values: dict[str, Any], url: str
) -> None:
    from relaydesk.generation.adapters.serve_client import endpoint_url

    env = _env(_container(render(release_values), "Deployment", "relaydesk-generation"))
    assert endpoint_url(env["RELAYDESK_GENERATION_SERVE_URL"]) == url


@pytest.mark.parametrize(
    ("release_values", "message"),
    [
        ({"qdrant": {"enabled": False}}, "set qdrant.enabled=true or vectorstore.url"),
        ({"rayService": {"enabled": False}}, "set rayService.enabled=true or rayService.externalServeUrl"),
    ],
)
def test_when_a_needed_service_is_missing_then_the_render_fails_with_the_fix(
    render: Render, release_values: dict[str, Any], message: str
) -> None:
    with pytest.raises(Exception, match=message.replace(".", r"\.")):
        render(release_values)


def test_when_a_worker_is_disabled_then_none_of_its_objects_render(render: Render) -> None:
    rendered = render(
        {
            "workers": {"emotion": {"enabled": False}},
            "serviceMonitor": {"enabled": True},
            "networkPolicy": {"enabled": True},
        }
    )
    names = {(o["kind"], o["metadata"]["name"]) for o in rendered.objects}
    assert not {n for n in names if n[1] == "relaydesk-emotion"}
    assert ("Deployment", "relaydesk-intent") in names


def test_when_worker_autoscaled_without_keda_then_hpa_replaces_the_fixed_replica_count(render: Render) -> None:
    rendered = render(
        {
            "keda": {"enabled": False},
            "workers": {
                "intent": {
                    "replicas": 3,
                    "autoscaling": {
                        "enabled": True,
                        "minReplicas": 2,
                        "maxReplicas": 4,
                        "targetMemoryUtilizationPercentage": 75,
                    },
                }
            }
        }
    )
    assert "replicas" not in rendered.named("Deployment", "relaydesk-intent")["spec"]
    hpa = rendered.named("HorizontalPodAutoscaler", "relaydesk-intent")
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (2, 4)
    assert {m["resource"]["name"] for m in hpa["spec"]["metrics"]} == {"cpu", "memory"}
    assert rendered.named("Deployment", "relaydesk-guard")["spec"]["replicas"] == 1


def test_when_replicas_exceed_partitions_then_notes_warn_they_idle(render: Render) -> None:
    rendered = render({"kafka": {"partitions": 2}, "workers": {"compliance": {"replicas": 3}}})
    assert "worker compliance may run 3 replicas but its topics have 2 partitions" in rendered.notes
    assert "worker guard" not in rendered.notes


@pytest.mark.parametrize(
    ("sasl", "expected_ref"),
    [
        ({}, None),  # no SASL: no password variable at all
        ({"mechanism": "PLAIN", "username": "u", "existingSecret": "creds"}, {"name": "creds", "key": "password"}),
        ({"mechanism": "PLAIN", "username": "u", "password": "p"}, {"name": "relaydesk-kafka", "key": "password"}),
    ],
)
def test_when_kafka_sasl_configured_then_every_process_reads_the_password_from_a_secret(
    render: Render, sasl: dict[str, str], expected_ref: dict[str, str] | None
) -> None:
    rendered = render({"kafka": {"sasl": sasl}})
    for deployment in rendered.of_kind("Deployment"):
        env = _env(deployment["spec"]["template"]["spec"]["containers"][0])
        if expected_ref is None:
            assert "RELAYDESK_KAFKA_SASL_PASSWORD" not in env
        else:
            assert env["RELAYDESK_KAFKA_SASL_PASSWORD"] == {"secretKeyRef": expected_ref}


def test_when_chart_holds_the_kafka_password_then_the_hook_job_gets_a_hook_scoped_copy(
    render_scenario: Callable[[str], RenderedChart],
) -> None:
    # pre-install hooks run before the release's own Secret exists
    rendered = render_scenario("production")
    job_container = _container(rendered, "Job", "relaydesk-topics")
    ref = _env(job_container)["RELAYDESK_KAFKA_SASL_PASSWORD"]["secretKeyRef"]
    hook_secret = rendered.named("Secret", ref["name"])
    assert hook_secret["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert int(hook_secret["metadata"]["annotations"]["helm.sh/hook-weight"]) < int(
        rendered.named("Job", "relaydesk-topics")["metadata"]["annotations"]["helm.sh/hook-weight"]
    )
    assert base64.b64decode(hook_secret["data"]["password"]) == base64.b64decode(
        rendered.named("Secret", "relaydesk-kafka")["data"]["password"]
    )


def test_when_default_values_then_topics_job_creates_topics_with_the_partition_count(
    render_scenario: Callable[[str], RenderedChart],
) -> None:
    container = _container(render_scenario("default"), "Job", "relaydesk-topics")
    assert container["args"] == ["topics", "create"]
    env = _env(container)
    assert (env["RELAYDESK_KAFKA_PARTITIONS"], env["RELAYDESK_KAFKA_REPLICATION_FACTOR"]) == ("4", "3")


def test_when_skaffold_passes_tag_and_empty_digest_then_the_image_reference_stays_valid(render: Render) -> None:
    rendered = render(
        {
            "image": {"registry": "", "repository": "relaydesk", "tag": "abc123@"},
            "rayService": {"image": {"registry": "r.io", "repository": "rd-ray", "tag": "abc@sha256:" + "1" * 64}},
        }
    )
    assert _container(rendered, "Deployment", "relaydesk-gateway")["image"] == "relaydesk:abc123"
    ray = rendered.named("RayService", "relaydesk-llm")["spec"]["rayClusterConfig"]["headGroupSpec"]["template"]
    assert ray["spec"]["containers"][0]["image"] == "r.io/rd-ray:abc@sha256:" + "1" * 64


def test_when_global_registry_set_then_it_wins_for_every_image(render_scenario: Callable[[str], RenderedChart]) -> None:
    rendered = render_scenario("external-services")
    for where, template in rendered.pod_templates():
        for container in template["spec"]["containers"]:
            assert container["image"].startswith("registry.internal/"), where
        assert template["spec"]["imagePullSecrets"] == [{"name": "registry-credentials"}], where


@pytest.mark.parametrize(
    ("gateway_env", "expected"),
    [
        ({"RELAYDESK_OTEL_EXPORTER": "console"}, "console"),  # a component's value wins over the shared one
        ({"RELAYDESK_OTEL_EXPORTER": ""}, None),  # an empty value drops the variable
    ],
)
def test_when_component_env_overrides_shared_env_then_it_wins(
    render: Render, gateway_env: dict[str, str], expected: str | None
) -> None:
    rendered = render({"gateway": {"env": gateway_env}})
    assert _env(_container(rendered, "Deployment", "relaydesk-gateway")).get("RELAYDESK_OTEL_EXPORTER") == expected
    assert _env(_container(rendered, "Deployment", "relaydesk-guard"))["RELAYDESK_OTEL_EXPORTER"] == "otlp"


def _egress_targets(policy: dict[str, Any]) -> set[str]:
    """Which in-cluster services a policy lets the pod reach, by the port it names."""
    ports = {p["port"] for rule in policy["spec"]["egress"] for p in rule.get("ports", [])}
    return {name for name, port in (("qdrant", 6333), ("ray", 8000), ("retrieval", 6066)) if port in ports}


def test_when_egress_restricted_then_each_pod_reaches_only_the_services_it_calls(
    render_scenario: Callable[[str], RenderedChart],
) -> None:
    rendered = render_scenario("production")
    expected: dict[str, set[str]] = {stage: set() for stage in STAGES + MORE_WORKERS} | {
        "knowledge": {"qdrant"},
        "retrieval": {"qdrant"},
        "generation": {"ray"},
        "assist": {"ray"},  # its drafted replies come from the generation app
        "gateway": {"retrieval"},
    }
    for component, targets in expected.items():
        policy = rendered.named("NetworkPolicy", f"relaydesk-{component}")
        assert _egress_targets(policy) == targets, component
        # DNS and the extra rules (Kafka, the OTLP collector) for everyone
        ports = {p["port"] for rule in policy["spec"]["egress"] for p in rule.get("ports", [])}
        assert {53, 9092, 4318} <= ports, component


def test_when_policies_on_then_only_the_gateway_and_scrapers_reach_the_retrieval_worker(
    render_scenario: Callable[[str], RenderedChart],
) -> None:
    rendered = render_scenario("production")
    peers = [
        peer
        for rule in rendered.named("NetworkPolicy", "relaydesk-retrieval")["spec"]["ingress"]
        for peer in rule["from"]
    ]
    components = {p.get("podSelector", {}).get("matchLabels", {}).get("app.kubernetes.io/component") for p in peers}
    assert components == {None, "gateway"}  # None: the monitoring namespace selector
    assert all("from" in rule for rule in rendered.named("NetworkPolicy", "relaydesk-guard")["spec"]["ingress"])


def test_when_egress_unrestricted_then_policies_allow_all_egress(render: Render) -> None:
    rendered = render({"networkPolicy": {"allowExternalEgress": True}})
    for policy in rendered.of_kind("NetworkPolicy"):
        if policy["spec"]["policyTypes"] == ["Ingress"]:
            continue  # the Ray pods' policy restricts ingress only
        assert policy["spec"]["egress"] == [{}]
