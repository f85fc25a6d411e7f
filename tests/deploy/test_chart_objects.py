"""Every rendered object is valid Kubernetes, and the objects fit together (selectors, names, references)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from deploy.deploy_chart import (
    CUSTOM_API_GROUPS,
    KUBE_VERSIONS,
    NAMESPACE,
    RenderedChart,
    chart_values,
    crd_schema_errors,
    deep_merge,
    kubernetes_schema_errors,
    scenario_values,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("kube_version", KUBE_VERSIONS)
def test_when_rendered_then_every_builtin_object_passes_the_strict_kubernetes_schema(
    rendered: RenderedChart, kube_version: str
) -> None:
    problems: list[str] = []
    for obj in rendered.objects:
        if obj["apiVersion"].startswith(CUSTOM_API_GROUPS):
            continue
        where = f"{obj['kind']}/{obj['metadata']['name']}"
        problems += [f"{where}: {error}" for error in kubernetes_schema_errors(obj, kube_version)]
    assert problems == []


@pytest.mark.parametrize("kube_version", KUBE_VERSIONS)
def test_when_rendered_then_every_custom_resource_passes_its_strict_crd_schema(
    rendered: RenderedChart, kube_version: str
) -> None:
    problems: list[str] = []
    for obj in rendered.objects:
        if not obj["apiVersion"].startswith(CUSTOM_API_GROUPS):
            continue
        where = f"{obj['kind']}/{obj['metadata']['name']}"
        problems += [f"{where}: {error}" for error in crd_schema_errors(obj, kube_version)]
    assert problems == []


@pytest.mark.parametrize(
    ("broken", "complaint"),
    [
        ({"spec": {"maxReplicaCount": "twelve"}}, "spec.maxReplicaCount"),  # wrong type
        ({"spec": {"triggers": [{"type": "kafka", "metadata": {"lagThreshold": 100}}]}}, "lagThreshold"),  # not a string
        ({"spec": {"scaleTargetRef": {"nmae": "x"}}}, "nmae"),  # misspelt field: pruned silently by the API server
    ],
)
def test_when_a_scaled_object_breaks_its_crd_then_the_check_names_the_field(
    render_scenario: Callable[[str], RenderedChart], broken: dict[str, Any], complaint: str
) -> None:
    # The CRD check must be able to fail: corrupt a good ScaledObject and expect the field in the message.
    good = render_scenario("production").of_kind("ScaledObject")[0]
    bad = deep_merge(good, broken)
    errors = crd_schema_errors(bad, KUBE_VERSIONS[-1])
    assert errors and any(complaint in e for e in errors), errors


@pytest.mark.parametrize("kube_version", KUBE_VERSIONS)
def test_when_rayservice_rendered_then_its_pod_templates_pass_the_kubernetes_schema(
    rendered: RenderedChart, kube_version: str
) -> None:
    # The RayService CRD embeds core PodTemplateSpecs; wrapping each in a PodTemplate validates it strictly.
    problems: list[str] = []
    for where, template in rendered.pod_templates():
        if not where.startswith("RayService/"):
            continue
        wrapper = {"apiVersion": "v1", "kind": "PodTemplate", "metadata": {"name": "t"}, "template": template}
        problems += [f"{where}: {error}" for error in kubernetes_schema_errors(wrapper, kube_version)]
    assert problems == []


def test_when_rendered_then_only_known_custom_resources_appear(rendered: RenderedChart) -> None:
    custom = {(o["apiVersion"], o["kind"]) for o in rendered.objects if o["apiVersion"].startswith(CUSTOM_API_GROUPS)}
    assert custom <= {
        ("ray.io/v1", "RayService"),
        ("monitoring.coreos.com/v1", "ServiceMonitor"),
        ("monitoring.coreos.com/v1", "PrometheusRule"),
        ("keda.sh/v1alpha1", "ScaledObject"),
        ("keda.sh/v1alpha1", "TriggerAuthentication"),
    }


def test_when_rendered_then_names_are_unique_per_kind_and_dns_safe(rendered: RenderedChart) -> None:
    seen: set[tuple[str, str]] = set()
    for obj in rendered.objects:
        key = (obj["kind"], obj["metadata"]["name"])
        assert key not in seen, f"duplicate {key}"
        seen.add(key)
        assert len(obj["metadata"]["name"]) <= 63
        assert obj["metadata"]["namespace"] == NAMESPACE


def _pod_labels(rendered: RenderedChart) -> list[tuple[str, dict[str, str]]]:
    return [(where, t["metadata"]["labels"]) for where, t in rendered.pod_templates()]


def _selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


def test_when_rendered_then_each_deployment_selects_exactly_its_own_pods(rendered: RenderedChart) -> None:
    pods = _pod_labels(rendered)
    for deployment in rendered.of_kind("Deployment"):
        selector = deployment["spec"]["selector"]["matchLabels"]
        matching = [where for where, labels in pods if _selects(selector, labels)]
        assert matching == [f"Deployment/{deployment['metadata']['name']}"]


@pytest.mark.parametrize("kind", ["Service", "PodDisruptionBudget"])
def test_when_rendered_then_services_and_budgets_select_some_pods(rendered: RenderedChart, kind: str) -> None:
    pods = _pod_labels(rendered)
    for obj in rendered.of_kind(kind):
        spec = obj["spec"]
        selector = spec["selector"]["matchLabels"] if kind == "PodDisruptionBudget" else spec["selector"]
        assert any(_selects(selector, labels) for _, labels in pods), f"{kind}/{obj['metadata']['name']}"


def test_when_rendered_then_every_deployment_has_a_disruption_budget_unless_turned_off(
    scenario: str, rendered: RenderedChart
) -> None:
    values = deep_merge(chart_values(), scenario_values(scenario))
    budgets = [b["spec"]["selector"]["matchLabels"] for b in rendered.of_kind("PodDisruptionBudget")]
    for deployment in rendered.of_kind("Deployment"):
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        is_gateway = labels["app.kubernetes.io/component"] == "gateway"
        wanted = values["gateway"]["pdb"]["create"] if is_gateway else values["workerDefaults"]["pdb"]["create"]
        covered = [b for b in budgets if _selects(b, labels)]
        assert len(covered) == (1 if wanted else 0), deployment["metadata"]["name"]


def test_when_autoscaled_then_the_hpa_targets_a_deployment_that_leaves_replicas_to_it(
    rendered: RenderedChart,
) -> None:
    for hpa in rendered.of_kind("HorizontalPodAutoscaler"):
        target = hpa["spec"]["scaleTargetRef"]
        assert target["kind"] == "Deployment"
        deployment = rendered.named("Deployment", target["name"])
        assert "replicas" not in deployment["spec"], "an HPA and a fixed replica count would fight"
        assert hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
        assert hpa["spec"]["metrics"]


def test_when_servicemonitors_rendered_then_each_selects_a_service_port_by_name(rendered: RenderedChart) -> None:
    for monitor in rendered.of_kind("ServiceMonitor"):
        spec = monitor["spec"]
        # the CRD's required fields
        assert spec["selector"]["matchLabels"] and spec["endpoints"]
        services = [
            s for s in rendered.of_kind("Service") if _selects(spec["selector"]["matchLabels"], s["metadata"]["labels"])
        ]
        assert len(services) == 1, monitor["metadata"]["name"]
        port_names = {p["name"] for p in services[0]["spec"]["ports"]}
        for endpoint in spec["endpoints"]:
            assert endpoint["port"] in port_names
            assert endpoint["path"] == "/metrics"


def test_when_rendered_then_every_referenced_chart_secret_is_rendered_or_external(rendered: RenderedChart) -> None:
    # Secrets the chart owns must be in the render; the rest are named in values as existing, or come from
    # the Qdrant subchart (`<release>-qdrant-apikey`).
    rendered_secrets = {s["metadata"]["name"] for s in rendered.of_kind("Secret")}
    external = {"relaydesk-kafka-credentials", "relaydesk-qdrant", "relaydesk-gateway-keys", "relaydesk-qdrant-apikey"}
    for where, template in rendered.pod_templates():
        spec = template["spec"]
        refs = [
            env["valueFrom"]["secretKeyRef"]["name"]
            for c in spec["containers"]
            for env in c.get("env", [])
            if "valueFrom" in env
        ] + [v["secret"]["secretName"] for v in spec.get("volumes", []) if "secret" in v]
        for name in refs:
            assert name in rendered_secrets | external, f"{where} references missing Secret {name}"


def test_when_rendered_then_mounts_and_probes_refer_to_what_the_pod_declares(rendered: RenderedChart) -> None:
    # The API server rejects these at apply time; JSON schemas cannot see across fields.
    for where, template in rendered.pod_templates():
        spec = template["spec"]
        volumes = {v["name"] for v in spec.get("volumes", [])}
        for container in spec["containers"]:
            ports = {p.get("name") for p in container.get("ports", [])}
            for mount in container.get("volumeMounts", []):
                assert mount["name"] in volumes, f"{where}: mount {mount['name']}"
            for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                if probe in container:
                    assert container[probe]["httpGet"]["port"] in ports, f"{where}: {probe}"


def test_when_rendered_then_service_target_ports_exist_on_the_selected_pods(rendered: RenderedChart) -> None:
    for service in rendered.of_kind("Service"):
        pods = [
            t for _, t in rendered.pod_templates() if _selects(service["spec"]["selector"], t["metadata"]["labels"])
        ]
        for port in service["spec"]["ports"]:
            for pod in pods:
                names = {p.get("name") for c in pod["spec"]["containers"] for p in c.get("ports", [])}
                assert port["targetPort"] in names, f"Service/{service['metadata']['name']}: {port['targetPort']}"
