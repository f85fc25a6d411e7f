"""The generation RayService: the fields KubeRay requires, the Serve config, GPU and CPU placements."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import yaml

from deploy.deploy_chart import RenderedChart

pytestmark = pytest.mark.unit
Render = Callable[[dict[str, Any]], RenderedChart]
RAY_SCENARIOS = ("default", "cpu-only", "production")


def _rayservice(rendered: RenderedChart) -> dict[str, Any]:
    return rendered.named("RayService", "relaydesk-llm")


def _serve_app(rayservice: dict[str, Any]) -> dict[str, Any]:
    config = yaml.safe_load(rayservice["spec"]["serveConfigV2"])
    assert len(config["applications"]) == 1
    app: dict[str, Any] = config["applications"][0]
    return app


@pytest.mark.parametrize("scenario_name", RAY_SCENARIOS)
def test_when_rendered_then_the_rayservice_has_the_fields_kuberay_requires(
    render_scenario: Callable[[str], RenderedChart], scenario_name: str
) -> None:
    rayservice = _rayservice(render_scenario(scenario_name))
    assert rayservice["apiVersion"] == "ray.io/v1"
    spec = rayservice["spec"]
    assert isinstance(spec["serveConfigV2"], str)
    cluster = spec["rayClusterConfig"]
    assert cluster["rayVersion"] == "2.60.0"
    head = cluster["headGroupSpec"]
    assert head["template"]["spec"]["containers"]
    groups = cluster["workerGroupSpecs"]
    assert groups
    for group in groups:
        for field in ("groupName", "replicas", "minReplicas", "maxReplicas", "template"):
            assert field in group, field
        assert group["minReplicas"] <= group["replicas"] <= group["maxReplicas"]
        assert group["template"]["spec"]["containers"]
    # The CRD types rayStartParams as map[string]string.
    for params in [head["rayStartParams"]] + [g["rayStartParams"] for g in groups]:
        assert all(isinstance(v, str) for v in params.values()), params


@pytest.mark.parametrize("scenario_name", RAY_SCENARIOS)
def test_when_rendered_then_serve_runs_the_relaydesk_application_builder(
    render_scenario: Callable[[str], RenderedChart], scenario_name: str
) -> None:
    app = _serve_app(_rayservice(render_scenario(scenario_name)))
    assert app["import_path"] == "relaydesk.generation.serve_app:build_app"
    assert app["route_prefix"] == "/generate"
    args = app["args"]
    # Exactly one of a fixed replica count or an autoscaling policy.
    assert ("num_replicas" in args) != ("autoscaling_config" in args)
    assert set(args["ray_actor_options"]) == {"num_cpus", "num_gpus"}
    assert args["max_ongoing_requests"] >= 1


def test_when_default_values_then_model_replicas_autoscale_on_gpu_workers(
    render_scenario: Callable[[str], RenderedChart],
) -> None:
    rayservice = _rayservice(render_scenario("default"))
    args = _serve_app(rayservice)["args"]
    assert args["autoscaling_config"] == {"min_replicas": 1, "max_replicas": 2, "target_ongoing_requests": 4}
    assert args["ray_actor_options"] == {"num_cpus": 2, "num_gpus": 1}
    assert "model_path" not in args  # the packaged default model
    cluster = rayservice["spec"]["rayClusterConfig"]
    assert cluster["enableInTreeAutoscaling"] is True
    worker = cluster["workerGroupSpecs"][0]["template"]["spec"]
    limits = worker["containers"][0]["resources"]["limits"]
    assert limits["nvidia.com/gpu"] == 1
    assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in worker["tolerations"]
    assert worker["containers"][0]["image"].endswith(":0.1.0-gpu")
    # The head only coordinates: no model replica lands on it.
    assert cluster["headGroupSpec"]["rayStartParams"]["num-cpus"] == "0"


def test_when_cpu_only_then_nothing_asks_for_a_gpu(render_scenario: Callable[[str], RenderedChart]) -> None:
    rayservice = _rayservice(render_scenario("cpu-only"))
    args = _serve_app(rayservice)["args"]
    assert args["ray_actor_options"]["num_gpus"] == 0
    assert args["num_replicas"] == 1
    assert "nvidia.com/gpu" not in yaml.safe_dump(rayservice)
    for group in rayservice["spec"]["rayClusterConfig"]["workerGroupSpecs"]:
        assert not group["template"]["spec"].get("tolerations")
        assert group["template"]["spec"]["containers"][0]["image"].endswith(":0.1.0-cpu")


def test_when_model_path_set_then_it_reaches_build_app_and_the_cache_claim_is_mounted(
    render_scenario: Callable[[str], RenderedChart],
) -> None:
    rayservice = _rayservice(render_scenario("production"))
    assert _serve_app(rayservice)["args"]["model_path"] == "/var/lib/relaydesk/models/qwen2.5-7b-instruct"
    worker = rayservice["spec"]["rayClusterConfig"]["workerGroupSpecs"][0]["template"]["spec"]
    volume = next(v for v in worker["volumes"] if v["name"] == "model-cache")
    assert volume == {"name": "model-cache", "persistentVolumeClaim": {"claimName": "relaydesk-models"}}


def test_when_extra_args_given_then_they_add_to_build_app_args_without_replacing_them(render: Render) -> None:
    rendered = render({"rayService": {"serve": {"extraArgs": {"max_batch_size": 8, "max_ongoing_requests": 999}}}})
    args = _serve_app(_rayservice(rendered))["args"]
    assert args["max_batch_size"] == 8
    assert args["max_ongoing_requests"] == 16


def test_when_persistence_enabled_then_a_shared_claim_backs_the_model_cache(render: Render) -> None:
    rendered = render({"rayService": {"modelCache": {"persistence": {"enabled": True}}}})
    claim = rendered.named("PersistentVolumeClaim", "relaydesk-llm-model-cache")
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"]
    head = _rayservice(rendered)["spec"]["rayClusterConfig"]["headGroupSpec"]["template"]["spec"]
    assert {"name": "model-cache", "persistentVolumeClaim": {"claimName": "relaydesk-llm-model-cache"}} in head[
        "volumes"
    ]


@pytest.mark.parametrize(
    "serve",
    [
        {"autoscaling": {"maxReplicas": 3}},  # 3 one-GPU replicas, 2 one-GPU workers
        {"autoscaling": {"enabled": False}, "numReplicas": 5},  # fixed count, same 2 GPUs
        {"rayActorOptions": {"numCpus": 9, "numGpus": 1}},  # a worker has 8 CPUs
        {"rayActorOptions": {"numCpus": 1, "numGpus": 2}},  # a worker has 1 GPU
    ],
)
def test_when_serve_replicas_cannot_fit_the_worker_group_then_render_fails(
    render: Render, serve: dict[str, Any]
) -> None:
    with pytest.raises(Exception, match="do not fit on"):
        render({"rayService": {"serve": serve}})


@pytest.mark.parametrize(
    "release_values",
    [
        # two half-GPU replicas share one GPU worker
        {
            "rayService": {
                "serve": {"autoscaling": {"maxReplicas": 4}, "rayActorOptions": {"numCpus": 2, "numGpus": 0.5}}
            }
        },
        # a milli-CPU quantity on a CPU-only group
        {
            "rayService": {
                "serve": {"rayActorOptions": {"numCpus": 0.5, "numGpus": 0}, "autoscaling": {"maxReplicas": 4}},
                "worker": {"maxReplicas": 2, "resources": {"requests": {"cpu": "500m"}, "limits": {"cpu": "1000m"}}},
            }
        },
    ],
)
def test_when_serve_replicas_fit_then_render_succeeds(render: Render, release_values: dict[str, Any]) -> None:
    assert _rayservice(render(release_values))


def test_when_rayservice_disabled_then_no_ray_object_renders(render_scenario: Callable[[str], RenderedChart]) -> None:
    rendered = render_scenario("external-services")
    assert not rendered.of_kind("RayService")
    assert not [o for o in rendered.objects if o["metadata"]["name"].startswith("relaydesk-llm")]
