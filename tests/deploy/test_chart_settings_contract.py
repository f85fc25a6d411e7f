"""What the chart passes in is what the code reads: every RELAYDESK_* variable is a field of a settings class
and parses there, and the Serve args are accepted by the real build_app argument parser."""

from __future__ import annotations

import ast
import importlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import yaml
from pydantic_settings import BaseSettings

from deploy.deploy_chart import REPO_ROOT, RenderedChart

pytestmark = pytest.mark.unit

SERVICES = REPO_ROOT / "services"
# Read with os.environ directly (relaydesk.common.settings.relaydesk_home / relaydesk_cache_dir), not through a
# settings class.
# RELAYDESK_INTERNAL_TOKEN: relaydesk.common.internal_auth (the workers' internal endpoints).
READ_DIRECTLY = {"RELAYDESK_HOME", "RELAYDESK_CACHE_DIR", "RELAYDESK_INTERNAL_TOKEN"}


@dataclass(frozen=True)
class SettingsClass:
    module: str
    name: str
    prefix: str

    def load(self) -> type[BaseSettings]:
        cls: type[BaseSettings] = getattr(importlib.import_module(self.module), self.name)
        return cls


def _settings_classes() -> list[SettingsClass]:
    """Every class that sets `model_config = SettingsConfigDict(env_prefix=...)`, found without importing."""
    found = []
    for path in (SERVICES / "relaydesk").rglob("*.py"):
        module = ".".join(path.relative_to(SERVICES).with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ClassDef):
                continue
            for stmt in node.body:
                if (
                    isinstance(stmt, ast.Assign)
                    and any(isinstance(t, ast.Name) and t.id == "model_config" for t in stmt.targets)
                    and isinstance(stmt.value, ast.Call)
                ):
                    for keyword in stmt.value.keywords:
                        if keyword.arg == "env_prefix" and isinstance(keyword.value, ast.Constant):
                            found.append(SettingsClass(module, node.name, str(keyword.value.value)))
    return found


@pytest.fixture(scope="module")
def settings_classes() -> list[tuple[SettingsClass, type[BaseSettings]]]:
    classes = [(spec, spec.load()) for spec in _settings_classes()]
    assert {spec.prefix for spec, _ in classes} >= {"RELAYDESK_KAFKA_", "RELAYDESK_GATEWAY_", "RELAYDESK_VECTORSTORE_"}
    return classes


def _containers(rendered: RenderedChart) -> Iterator[tuple[str, dict[str, str]]]:
    """(where, env) of every container; a Secret-backed variable gets a stand-in value."""
    for where, template in rendered.pod_templates():
        for container in template["spec"]["containers"]:
            env = {e["name"]: e.get("value", "secret-from-kubernetes") for e in container.get("env", [])}
            yield f"{where}/{container['name']}", env


def _owners(name: str, classes: list[tuple[SettingsClass, type[BaseSettings]]]) -> list[type[BaseSettings]]:
    return [
        cls
        for spec, cls in classes
        if name.startswith(spec.prefix) and name[len(spec.prefix) :].lower() in cls.model_fields
    ]


def test_when_rendered_then_every_relaydesk_variable_is_read_by_some_settings_class(
    rendered: RenderedChart, settings_classes: list[tuple[SettingsClass, type[BaseSettings]]]
) -> None:
    unread = [
        f"{where}: {name}"
        for where, env in _containers(rendered)
        for name in env
        if name.startswith("RELAYDESK_") and name not in READ_DIRECTLY and not _owners(name, settings_classes)
    ]
    assert unread == []


def test_when_rendered_then_every_relaydesk_variable_parses_in_its_settings_class(
    rendered: RenderedChart,
    settings_classes: list[tuple[SettingsClass, type[BaseSettings]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for where, env in _containers(rendered):
        with monkeypatch.context() as patch:
            for name in [n for n in os.environ if n.startswith("RELAYDESK_")]:
                patch.delenv(name)
            for name, value in env.items():
                patch.setenv(name, value)
            owners = {cls for name in env if name.startswith("RELAYDESK_") for cls in _owners(name, settings_classes)}
            for cls in owners:
                try:
                    cls()
                except Exception as exc:  # a pydantic ValidationError names the field and the rule
                    pytest.fail(f"{where}: {cls.__name__} rejects the chart's environment: {exc}")


def _serve_args(rendered: RenderedChart) -> dict[str, Any]:
    rayservice = rendered.named("RayService", "relaydesk-llm")
    args: dict[str, Any] = yaml.safe_load(rayservice["spec"]["serveConfigV2"])["applications"][0]["args"]
    return args


@pytest.mark.parametrize("scenario_name", ["default", "cpu-only", "production"])
def test_when_serve_config_rendered_then_build_app_accepts_its_args(render_scenario: Any, scenario_name: str) -> None:
    # The real parser build_app uses; it rejects unknown keys so that a typo cannot fall back to a default.
    serve_app = pytest.importorskip("relaydesk.generation.serve_app")
    args = _serve_args(render_scenario(scenario_name))
    settings, extra_actor_options = serve_app.settings_from_args(args)
    options = serve_app.deployment_options(settings, extra_actor_options)
    assert options["ray_actor_options"]["num_gpus"] == args["ray_actor_options"]["num_gpus"]
    assert options["ray_actor_options"]["num_cpus"] == args["ray_actor_options"]["num_cpus"]
    if "autoscaling_config" in args:
        assert options["autoscaling_config"]["max_replicas"] == args["autoscaling_config"]["max_replicas"]
    else:
        assert options["num_replicas"] == args["num_replicas"]
    if "model_path" in args:
        assert str(settings.model_path) == args["model_path"]


def test_when_extra_args_name_no_setting_then_build_app_refuses_them(render: Any) -> None:
    serve_app = pytest.importorskip("relaydesk.generation.serve_app")
    rendered = render({"rayService": {"serve": {"extraArgs": {"max_batch_sise": 8}}}})
    with pytest.raises(ValueError, match="max_batch_sise"):
        serve_app.settings_from_args(_serve_args(rendered))
