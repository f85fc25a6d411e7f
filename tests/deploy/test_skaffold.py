"""skaffold.yaml builds both images from files that exist and deploys the chart with values it accepts.
(No skaffold binary here: the test resolves its templates and profile patches the way skaffold does.)"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from deploy.deploy_chart import REPO_ROOT, RenderedChart, chart_values, deep_merge

pytestmark = pytest.mark.unit

# What skaffold would fill in for a pushed build (ghcr.io/acme is the --default-repo).
BUILT = {
    "relaydesk": ("ghcr.io", "acme/relaydesk", "v1-abc", "sha256:" + "a" * 64),
    "relaydesk_ray": ("ghcr.io", "acme/relaydesk-ray", "v1-abc", "sha256:" + "b" * 64),
}


def _skaffold() -> dict[str, Any]:
    config: dict[str, Any] = yaml.safe_load((REPO_ROOT / "skaffold.yaml").read_text())
    return config


def _pointer(doc: Any, path: str) -> tuple[Any, str]:
    *parents, last = [p.replace("~1", "/").replace("~0", "~") for p in path.lstrip("/").split("/")]
    for part in parents:
        doc = doc[int(part)] if isinstance(doc, list) else doc[part]
    return doc, last


def _apply_profile(config: dict[str, Any], name: str) -> dict[str, Any]:
    """JSON Patch (RFC 6902) add/replace, the operations skaffold profiles use here."""
    patched = copy.deepcopy(config)
    profile = next(p for p in config["profiles"] if p["name"] == name)
    for op in profile["patches"]:
        parent, key = _pointer(patched, op["path"])
        if op["op"] == "add" and isinstance(parent, list):
            parent.insert(len(parent) if key == "-" else int(key), op["value"])
        elif op["op"] == "replace":
            assert (key in parent) if isinstance(parent, dict) else int(key) < len(parent), op["path"]
            parent[int(key) if isinstance(parent, list) else key] = op["value"]
        elif op["op"] == "add":
            parent[key] = op["value"]
        else:
            raise AssertionError(f"unsupported patch op {op['op']}")
    return patched


def _set_path(values: dict[str, Any], dotted: str, value: str) -> None:
    *parents, last = dotted.split(".")
    for part in parents:
        values = values.setdefault(part, {})
    values[last] = value


def _fill(template: str) -> str:
    def one(match: re.Match[str]) -> str:
        field, artifact = match.group(1), match.group(2)
        domain, repo, tag, digest = BUILT[artifact]
        return {"DOMAIN": domain, "REPO_NO_DOMAIN": repo, "TAG": tag, "DIGEST": digest}[field]

    return re.sub(r"\{\{\.IMAGE_(DOMAIN|REPO_NO_DOMAIN|TAG|DIGEST)_(\w+)\}\}", one, template)


def _release_values(config: dict[str, Any]) -> dict[str, Any]:
    release = config["deploy"]["helm"]["releases"][0]
    values: dict[str, Any] = {}
    for path in release.get("valuesFiles", []):
        values = deep_merge(values, yaml.safe_load((REPO_ROOT / path).read_text()) or {})
    for key, template in release.get("setValueTemplates", {}).items():
        _set_path(values, key, _fill(template))
    return values


def test_when_skaffold_config_read_then_it_is_a_v4_config_building_both_images() -> None:
    config = _skaffold()
    assert re.fullmatch(r"skaffold/v4beta\d+", config["apiVersion"])
    assert config["kind"] == "Config"
    images = [a["image"] for a in config["build"]["artifacts"]]
    assert images == ["relaydesk", "relaydesk-ray"]
    for artifact in config["build"]["artifacts"]:
        assert (REPO_ROOT / artifact.get("context", ".")).is_dir()
        dockerfile = REPO_ROOT / artifact.get("context", ".") / artifact["docker"]["dockerfile"]
        assert dockerfile.is_file()
        declared = set(re.findall(r"^ARG (\w+)", dockerfile.read_text(), flags=re.MULTILINE))
        assert set(artifact["docker"].get("buildArgs", {})) <= declared


@pytest.mark.parametrize("profile", [None, "cpu"])
def test_when_deployed_then_the_release_uses_the_chart_and_values_that_exist(profile: str | None) -> None:
    config = _skaffold() if profile is None else _apply_profile(_skaffold(), profile)
    release = config["deploy"]["helm"]["releases"][0]
    assert (REPO_ROOT / release["chartPath"] / "Chart.yaml").is_file()
    for path in release.get("valuesFiles", []):
        assert (REPO_ROOT / path).is_file(), path
    artifacts = {a["image"].replace("-", "_").replace("/", "_") for a in config["build"]["artifacts"]}
    keys = {path for path, _ in _leaf_paths(chart_values())}
    for key, template in release["setValueTemplates"].items():
        assert key in keys, f"setValueTemplates sets {key}, which values.yaml does not have"
        for artifact in re.findall(r"\{\{\.IMAGE_[A-Z_]+?_(relaydesk\w*)\}\}", template):
            assert artifact in artifacts


def _leaf_paths(values: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for key, value in values.items():
        if isinstance(value, dict) and value:
            out += _leaf_paths(value, f"{prefix}{key}.")
        else:
            out.append((f"{prefix}{key}", value))
    return out


def test_when_cpu_profile_active_then_the_ray_image_is_the_cpu_build() -> None:
    config = _apply_profile(_skaffold(), "cpu")
    build_args = config["build"]["artifacts"][1]["docker"]["buildArgs"]
    assert not build_args["RAY_IMAGE"].endswith("-gpu")
    assert build_args["TORCH_INDEX_URL"].endswith("/cpu")
    assert config["deploy"]["helm"]["releases"][0]["valuesFiles"] == ["deploy/helm/relaydesk/ci/cpu-only.yaml"]


@pytest.mark.parametrize("profile", [None, "cpu"])
def test_when_skaffold_renders_the_release_then_pods_run_the_images_it_built(
    render: Callable[[dict[str, Any]], RenderedChart], profile: str | None
) -> None:
    config = _skaffold() if profile is None else _apply_profile(_skaffold(), profile)
    rendered = render(_release_values(config))
    images = {c["image"] for _, t in rendered.pod_templates() for c in t["spec"]["containers"]}
    assert images == {
        f"ghcr.io/acme/relaydesk:v1-abc@sha256:{'a' * 64}",
        f"ghcr.io/acme/relaydesk-ray:v1-abc@sha256:{'b' * 64}",
    }
