"""Secure defaults hold on every pod the release can start, in every scenario."""

from __future__ import annotations

from typing import Any

import pytest

from deploy.deploy_chart import RenderedChart

pytestmark = pytest.mark.unit


def _effective(pod_spec: dict[str, Any], container: dict[str, Any], field: str) -> Any:
    """A container's security setting, falling back to the pod's as the kubelet does."""
    own = container.get("securityContext", {})
    return own[field] if field in own else pod_spec.get("securityContext", {}).get(field)


def _containers(pod_spec: dict[str, Any]) -> list[dict[str, Any]]:
    return list(pod_spec.get("initContainers", [])) + list(pod_spec["containers"])


def test_when_rendered_then_every_container_runs_as_non_root_with_a_read_only_root(rendered: RenderedChart) -> None:
    for where, template in rendered.pod_templates():
        spec = template["spec"]
        for container in _containers(spec):
            name = f"{where}/{container['name']}"
            assert _effective(spec, container, "runAsNonRoot") is True, name
            user = _effective(spec, container, "runAsUser")
            assert isinstance(user, int) and user > 0, name
            assert container["securityContext"]["readOnlyRootFilesystem"] is True, name
            assert container["securityContext"]["allowPrivilegeEscalation"] is False, name
            assert container["securityContext"].get("privileged", False) is False, name
            assert "ALL" in container["securityContext"]["capabilities"]["drop"], name
            assert not container["securityContext"]["capabilities"].get("add"), name
            assert _effective(spec, container, "seccompProfile") == {"type": "RuntimeDefault"}, name


def test_when_rendered_then_no_pod_shares_the_host(rendered: RenderedChart) -> None:
    for where, template in rendered.pod_templates():
        spec = template["spec"]
        for field in ("hostNetwork", "hostPID", "hostIPC"):
            assert not spec.get(field), f"{where}: {field}"
        assert not [v for v in spec.get("volumes", []) if "hostPath" in v], where


def test_when_rendered_then_writable_paths_are_volumes(rendered: RenderedChart) -> None:
    # With a read-only root, /tmp and the state directory must be mounted or the processes cannot start.
    for where, template in rendered.pod_templates():
        for container in template["spec"]["containers"]:
            mounts = {m["mountPath"] for m in container.get("volumeMounts", [])}
            env = {e["name"]: e.get("value") for e in container.get("env", [])}
            assert "/tmp" in mounts, where
            assert env["RELAYDESK_HOME"] in mounts, where


def test_when_rendered_then_only_the_ray_autoscaler_gets_an_api_token(rendered: RenderedChart) -> None:
    for where, template in rendered.pod_templates():
        # KubeRay's autoscaler sidecar in the head pod talks to the API server; nothing else does.
        if where.startswith("RayService/") and where.endswith("/head"):
            continue
        assert template["spec"]["automountServiceAccountToken"] is False, where


def test_when_rendered_then_every_container_has_requests_and_limits(rendered: RenderedChart) -> None:
    for where, template in rendered.pod_templates():
        for container in template["spec"]["containers"]:
            resources = container["resources"]
            for bound in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(resources[bound]), f"{where}: {bound}"


@pytest.mark.parametrize("kind", ["Deployment"])
def test_when_rendered_then_long_running_pods_have_probes_and_drain_before_stopping(
    rendered: RenderedChart, kind: str
) -> None:
    for obj in rendered.of_kind(kind):
        spec = obj["spec"]["template"]["spec"]
        for container in spec["containers"]:
            name = f"{obj['metadata']['name']}/{container['name']}"
            assert container["livenessProbe"]["httpGet"]["path"] == "/healthz", name
            assert container["readinessProbe"]["httpGet"]["path"] == "/readyz", name
            assert container["startupProbe"]["httpGet"]["path"] == "/healthz", name
            sleep = container["lifecycle"]["preStop"]["exec"]["command"]
            assert sleep[0] == "sleep" and int(sleep[1]) > 0, name
            # SIGTERM comes after preStop; the process then needs time to finish its batch and commit.
            assert spec["terminationGracePeriodSeconds"] > int(sleep[1]) + 10, name


def test_when_rayservice_rendered_then_ray_nodes_drain_before_leaving(rendered: RenderedChart) -> None:
    for where, template in rendered.pod_templates():
        if not where.startswith("RayService/"):
            continue
        container = template["spec"]["containers"][0]
        command = " ".join(container["lifecycle"]["preStop"]["exec"]["command"])
        assert "sleep" in command and "ray stop" in command, where


def test_when_rendered_then_no_secret_value_sits_in_a_plain_env_var(rendered: RenderedChart) -> None:
    sensitive = ("PASSWORD", "API_KEY", "ADMIN_KEY", "SECRET", "TOKEN")
    for where, template in rendered.pod_templates():
        for container in template["spec"]["containers"]:
            for env in container.get("env", []):
                if any(word in env["name"] for word in sensitive):
                    assert "value" not in env and "secretKeyRef" in env["valueFrom"], f"{where}: {env['name']}"


def test_when_topics_job_rendered_then_it_is_a_hook_that_cleans_up_after_success(rendered: RenderedChart) -> None:
    for job in rendered.of_kind("Job"):
        annotations = job["metadata"]["annotations"]
        assert annotations["helm.sh/hook"] == "pre-install,pre-upgrade"
        assert "hook-succeeded" in annotations["helm.sh/hook-delete-policy"]
        assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
        assert job["spec"]["activeDeadlineSeconds"] > 0
