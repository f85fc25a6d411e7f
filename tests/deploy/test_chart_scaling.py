"""Scaling, partitions and the internal doors: KEDA on lag (or an HPA on CPU, never both), no autoscaler past a
topic's partitions, the partition plan reaching the topics Job, the internal token in every process, and a
NetworkPolicy per component by default."""

from __future__ import annotations

import ast
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from deploy.deploy_chart import REPO_ROOT, RenderedChart, chart_values, deep_merge, scenario_names, scenario_values
from relaydesk.common.settings import KafkaSettings
from relaydesk.common.topics import Topics
from relaydesk.ops.partition_plan import parse_plan, planned_topics

pytestmark = pytest.mark.unit

Render = Callable[[dict[str, Any]], RenderedChart]
STAGES = tuple(chart_values()["workers"])
AUTOSCALED = {"workers": {s: {"autoscaling": {"enabled": True, "minReplicas": 1, "maxReplicas": 4}} for s in STAGES}}


def _values(scenario: str) -> dict[str, Any]:
    return deep_merge(chart_values(), scenario_values(scenario))


def _code_input_topics(stage: str) -> tuple[str | None, set[str]]:
    """(main input, every input) of a worker, read from its app module without importing it (models load
    there): `Stage(name=..., input_topic=Topics.X)` calls and `INPUTS = ((name, Topics.X, Type), ...)` tables.
    The main input is the stage named like the worker, if there is one."""
    tree = ast.parse((REPO_ROOT / "services" / "relaydesk" / stage / "app.py").read_text())
    main: str | None = None
    topics: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            kw = {k.arg: k.value for k in node.keywords}
            topic, name = kw.get("input_topic"), kw.get("name")
            if isinstance(topic, ast.Attribute):
                topics.add(str(getattr(Topics, topic.attr)))
                if isinstance(name, ast.Constant) and name.value == stage:
                    main = str(getattr(Topics, topic.attr))
        elif isinstance(node, ast.AnnAssign | ast.Assign):
            targets = [node.target] if isinstance(node, ast.AnnAssign) else node.targets
            if any(isinstance(t, ast.Name) and t.id == "INPUTS" for t in targets) and node.value is not None:
                for row in ast.walk(node.value):
                    if isinstance(row, ast.Attribute) and isinstance(row.value, ast.Name) and row.value.id == "Topics":
                        topics.add(str(getattr(Topics, row.attr)))
    assert topics, f"{stage}: no input topic found in its app.py"
    return main, topics


def test_when_the_cli_runs_a_worker_then_the_chart_can_deploy_it() -> None:
    tree = ast.parse((REPO_ROOT / "services" / "relaydesk" / "cli" / "worker.py").read_text())
    (workers,) = [
        ast.literal_eval(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "WORKERS" for t in node.targets)
    ]
    assert sorted(chart_values()["workers"]) == sorted(workers)


@pytest.mark.parametrize("stage", STAGES)
def test_when_values_name_a_workers_input_topics_then_they_are_the_ones_the_code_consumes(stage: str) -> None:
    topics = chart_values()["workers"][stage]["inputTopics"]
    main, code = _code_input_topics(stage)
    assert main is None or topics[0] == main, "the main input comes first"
    assert sorted(topics) == sorted(code)


def test_when_autoscaled_with_keda_then_each_worker_gets_a_scaled_object_on_its_groups_lag(
    render: Render, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from relaydesk.common.faust_app import make_app

    monkeypatch.setenv("RELAYDESK_HOME", str(tmp_path))
    rendered = render(deep_merge(AUTOSCALED, {"kafka": {"topicPrefix": "prod."}, "workers": {"carrier": {"enabled": True}}}))
    assert rendered.of_kind("HorizontalPodAutoscaler") == []  # the gateway's HPA is off by default
    for stage in STAGES:
        scaled = rendered.named("ScaledObject", f"relaydesk-{stage}")
        assert scaled["spec"]["scaleTargetRef"]["name"] == f"relaydesk-{stage}"
        assert "replicas" not in rendered.named("Deployment", f"relaydesk-{stage}")["spec"]
        (trigger,) = scaled["spec"]["triggers"]
        meta = trigger["metadata"]
        assert trigger["type"] == "kafka"
        # the group KEDA reads is the one the worker commits to: the Faust app id
        app = make_app(stage, KafkaSettings(topic_prefix="prod."))
        assert meta["consumerGroup"] == app.conf.id
        assert meta["topic"] == f"prod.{chart_values()['workers'][stage]['inputTopics'][0]}"
        assert meta["lagThreshold"] == str(chart_values()["workers"][stage]["autoscaling"]["lagThreshold"])
        assert meta["allowIdleConsumers"] == "false" and meta["offsetResetPolicy"] == "earliest"
        assert meta["bootstrapServers"] == "kafka:9092"


def test_when_keda_is_off_then_the_cpu_hpa_is_the_fallback(render: Render) -> None:
    rendered = render(deep_merge(AUTOSCALED, {"keda": {"enabled": False}, "workers": {"carrier": {"enabled": True}}}))
    assert rendered.of_kind("ScaledObject") == []
    assert {h["spec"]["scaleTargetRef"]["name"] for h in rendered.of_kind("HorizontalPodAutoscaler")} == {
        f"relaydesk-{s}" for s in STAGES
    }


@pytest.mark.parametrize("scenario_name", scenario_names())
def test_when_rendered_then_no_deployment_has_both_an_hpa_and_a_scaled_object(
    render_scenario: Callable[[str], RenderedChart], scenario_name: str
) -> None:
    rendered = render_scenario(scenario_name)
    hpa = {h["spec"]["scaleTargetRef"]["name"] for h in rendered.of_kind("HorizontalPodAutoscaler")}
    keda = {s["spec"]["scaleTargetRef"]["name"] for s in rendered.of_kind("ScaledObject")}
    assert hpa.isdisjoint(keda)
    for name in hpa | keda:
        assert "replicas" not in rendered.named("Deployment", name)["spec"], name


@pytest.mark.parametrize("scenario_name", scenario_names())
def test_when_rendered_then_no_consumer_can_scale_past_its_input_topics_partitions(
    render_scenario: Callable[[str], RenderedChart], scenario_name: str
) -> None:
    rendered = render_scenario(scenario_name)
    values = _values(scenario_name)
    plan = values["kafka"].get("topicPlan") or {}
    for scaler in [*rendered.of_kind("ScaledObject"), *rendered.of_kind("HorizontalPodAutoscaler")]:
        stage = scaler["spec"]["scaleTargetRef"]["name"].removeprefix("relaydesk-")
        if stage == "gateway":
            continue  # not a consumer
        topic = values["workers"][stage]["inputTopics"][0]
        partitions = plan.get(topic, {}).get("partitions", values["kafka"]["partitions"])
        most = scaler["spec"].get("maxReplicaCount", scaler["spec"].get("maxReplicas"))
        assert most <= partitions, f"{scenario_name}: {stage} scales to {most} on {partitions} partitions"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        # 6 consumers on 4 partitions
        ({"workers": {"guard": {"autoscaling": {"enabled": True, "maxReplicas": 6}}}},
         "workers.guard.autoscaling.maxReplicas is 6 but its input topic relaydesk.turns.raw has 4 partitions"),
        # the plan gives the topic 2: the check reads the plan, not the default
        ({"kafka": {"topicPlan": {"relaydesk.turns.context": {"partitions": 2}}},
          "workers": {"generation": {"autoscaling": {"enabled": True, "maxReplicas": 3}}}},
         "workers.generation.autoscaling.maxReplicas is 3 but its input topic relaydesk.turns.context has 2"),
        # with KEDA off the HPA is held to the same rule
        ({"keda": {"enabled": False}, "workers": {"intent": {"autoscaling": {"enabled": True, "maxReplicas": 5}}}},
         "workers.intent.autoscaling.maxReplicas is 5"),
        ({"workers": {"intent": {"autoscaling": {"enabled": True, "minReplicas": 4, "maxReplicas": 2}}}},
         "minReplicas \\(4\\) is above maxReplicas \\(2\\)"),
        ({"kafka": {"topicPlan": {"prod.relaydesk.turns.raw": {"partitions": 8}}}}, "without kafka.topicPrefix"),
    ],
)
def test_when_scaling_breaks_the_partition_plan_then_the_render_fails_with_the_numbers(
    render: Render, values: dict[str, Any], message: str
) -> None:
    with pytest.raises(Exception, match=message):
        render(values)


def test_when_the_plan_gives_more_partitions_then_the_autoscaler_may_use_them(render: Render) -> None:
    rendered = render(
        {
            "kafka": {"topicPlan": {"relaydesk.turns.context": {"partitions": 16}}},
            "workers": {"generation": {"autoscaling": {"enabled": True, "maxReplicas": 16}}},
        }
    )
    assert rendered.named("ScaledObject", "relaydesk-generation")["spec"]["maxReplicaCount"] == 16


@pytest.mark.parametrize("scenario_name", scenario_names())
def test_when_a_plan_is_set_then_the_topics_job_passes_it_and_the_cli_accepts_it(
    render_scenario: Callable[[str], RenderedChart], scenario_name: str
) -> None:
    rendered = render_scenario(scenario_name)
    jobs = rendered.of_kind("Job")
    plan = _values(scenario_name)["kafka"].get("topicPlan") or {}
    if not jobs:
        return  # topics.enabled=false: the platform team creates them (docs/capacity.md has the plan)
    args = jobs[0]["spec"]["template"]["spec"]["containers"][0]["args"]
    if not plan:
        assert args == ["topics", "create"]
        return
    assert args[:3] == ["topics", "create", "--plan"]
    parsed = parse_plan(args[3])
    assert {name: p.partitions for name, p in parsed.items()} == {n: e.get("partitions") for n, e in plan.items()}
    planned_topics(KafkaSettings(), parsed)  # every name is a topic relaydesk uses


def test_when_kafka_uses_sasl_over_tls_then_keda_reads_lag_with_the_workers_credentials(
    render_scenario: Callable[[str], RenderedChart],
) -> None:
    rendered = render_scenario("external-kafka-sasl-tls")
    (auth,) = rendered.of_kind("TriggerAuthentication")
    assert auth["spec"]["secretTargetRef"] == [
        {"parameter": "password", "name": "relaydesk-kafka-credentials", "key": "sasl-password"}
    ]
    assert auth["spec"]["env"] == [{"parameter": "username", "name": "RELAYDESK_KAFKA_SASL_USERNAME"}]
    for scaled in rendered.of_kind("ScaledObject"):
        (trigger,) = scaled["spec"]["triggers"]
        assert trigger["authenticationRef"] == {"name": auth["metadata"]["name"]}
        assert (trigger["metadata"]["sasl"], trigger["metadata"]["tls"]) == ("scram_sha512", "enable")
        assert trigger["metadata"]["bootstrapServers"].count(":9096") == 3


def _env(template: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in template["spec"]["containers"][0].get("env", [])}


@pytest.mark.parametrize("scenario_name", scenario_names())
def test_when_rendered_then_the_gateway_and_every_worker_get_the_internal_token_from_one_secret(
    render_scenario: Callable[[str], RenderedChart], scenario_name: str
) -> None:
    rendered = render_scenario(scenario_name)
    refs = set()
    for deployment in rendered.of_kind("Deployment"):
        ref = _env(deployment["spec"]["template"])["RELAYDESK_INTERNAL_TOKEN"]["secretKeyRef"]
        refs.add((ref["name"], ref["key"]))
    assert len(refs) == 1
    ((name, key),) = refs
    secret = rendered.named("Secret", name)
    assert key in secret["data"] and len(secret["data"][key]) >= 44  # 48 random characters, base64
    # the topics Job runs before the release's Secrets exist and needs no token
    for job in rendered.of_kind("Job"):
        assert "RELAYDESK_INTERNAL_TOKEN" not in _env(job["spec"]["template"])


def test_when_an_existing_token_secret_is_named_then_the_chart_makes_none_and_uses_it(render: Render) -> None:
    rendered = render({"internalToken": {"existingSecret": "ops-internal", "existingSecretKey": "t"}})
    assert "relaydesk-internal" not in {s["metadata"]["name"] for s in rendered.of_kind("Secret")}
    for deployment in rendered.of_kind("Deployment"):
        assert _env(deployment["spec"]["template"])["RELAYDESK_INTERNAL_TOKEN"] == {
            "secretKeyRef": {"name": "ops-internal", "key": "t"}
        }


def _ports(rules: list[dict[str, Any]]) -> set[Any]:
    return {p["port"] for rule in rules for p in rule.get("ports", [])}


def test_when_default_values_then_every_component_has_a_network_policy_admitting_only_its_port(
    render_scenario: Callable[[str], RenderedChart],
) -> None:
    rendered = render_scenario("default")
    policies = {p["metadata"]["name"]: p for p in rendered.of_kind("NetworkPolicy")}
    ray = "relaydesk-llm"  # the Ray pods' own policy: the test below
    assert set(policies) == {d["metadata"]["name"] for d in rendered.of_kind("Deployment")} | {ray}
    for name, policy in policies.items():
        if name == ray:
            continue
        spec = policy["spec"]
        assert spec["policyTypes"] == ["Ingress", "Egress"]
        assert _ports(spec["ingress"]) == ({"http"} if name == "relaydesk-gateway" else {"web"}), name
        if name != "relaydesk-gateway" and name != "relaydesk-retrieval":
            # only the scraper: Prometheus pods (the kubelet's probes are not subject to policies)
            (rule,) = spec["ingress"]
            assert rule["from"] == [
                {"namespaceSelector": {}, "podSelector": {"matchLabels": {"app.kubernetes.io/name": "prometheus"}}}
            ], name
        # egress: DNS, Kafka (kafka.bootstrap's port), the OTLP collector, and nothing open-ended
        assert {53, 9092, 4318} <= _ports(spec["egress"]), name
        assert {} not in spec["egress"], name


def test_when_kafka_peers_are_named_then_kafka_egress_goes_only_to_them_on_the_bootstrap_port(
    render_scenario: Callable[[str], RenderedChart],
) -> None:
    policy = render_scenario("external-kafka-sasl-tls").named("NetworkPolicy", "relaydesk-guard")
    kafka_rules = [r for r in policy["spec"]["egress"] if _ports([r]) == {9096}]
    assert kafka_rules == [{"ports": [{"port": 9096, "protocol": "TCP"}], "to": [{"ipBlock": {"cidr": "10.20.0.0/16"}}]}]


@pytest.mark.parametrize(
    ("scenario_name", "component", "port"),
    [
        ("external-qdrant-apikey", "knowledge", 6333),  # https URL with no port: qdrant-client's 6333
        ("external-services", "retrieval", 6333),  # https URL with :6333
        ("external-services", "generation", 8000),  # rayService.externalServeUrl's port
        ("minimal", "generation", 8000),
    ],
)
def test_when_services_run_outside_the_release_then_egress_reaches_their_ports(
    render_scenario: Callable[[str], RenderedChart], scenario_name: str, component: str, port: int
) -> None:
    rendered = render_scenario(scenario_name)
    assert port in _ports(rendered.named("NetworkPolicy", f"relaydesk-{component}")["spec"]["egress"])
    assert port not in _ports(rendered.named("NetworkPolicy", "relaydesk-guard")["spec"]["egress"])


def test_when_the_qdrant_key_is_given_then_the_chart_keeps_it_in_a_secret_the_workers_read(
    render_scenario: Callable[[str], RenderedChart],
) -> None:
    rendered = render_scenario("external-qdrant-apikey")
    for stage in ("knowledge", "retrieval"):
        env = _env(rendered.named("Deployment", f"relaydesk-{stage}")["spec"]["template"])
        assert env["RELAYDESK_VECTORSTORE_API_KEY"] == {"secretKeyRef": {"name": "relaydesk-vectorstore", "key": "api-key"}}
        assert env["RELAYDESK_VECTORSTORE_URL"] == "https://relaydesk-prod.eu-central.aws.cloud.qdrant.io"
    assert "RELAYDESK_VECTORSTORE_API_KEY" not in _env(rendered.named("Deployment", "relaydesk-guard")["spec"]["template"])
    assert json.dumps(rendered.named("Secret", "relaydesk-vectorstore")["data"])


def test_when_ray_runs_in_the_release_then_only_ray_pods_the_operator_callers_and_scrapers_reach_it(
    render_scenario: Callable[[str], RenderedChart],
) -> None:
    rendered = render_scenario("default")
    policy = rendered.named("NetworkPolicy", "relaydesk-llm")["spec"]
    assert policy["policyTypes"] == ["Ingress"]
    ray_pods = rendered.named("RayService", "relaydesk-llm")["spec"]["rayClusterConfig"]["headGroupSpec"]["template"]
    assert all(ray_pods["metadata"]["labels"][k] == v for k, v in policy["podSelector"]["matchLabels"].items())
    rules = policy["ingress"]
    # every rule names its peers: nothing is open to the whole cluster (the dashboard runs submitted jobs)
    assert all(rule.get("from") for rule in rules)
    serve = next(r for r in rules if _ports([r]) == {8000})
    callers = {p["podSelector"]["matchLabels"]["app.kubernetes.io/component"] for p in serve["from"]}
    assert callers == {"worker-generation", "worker-assist"}
    operator = [r for r in rules if "ports" not in r and "namespaceSelector" in r["from"][0]]
    assert operator[0]["from"][0]["podSelector"]["matchLabels"] == {"app.kubernetes.io/name": "kuberay-operator"}
