"""Renders the relaydesk Helm chart offline and validates objects against Kubernetes JSON schemas.

Helm runs in-process through helm-python-sdk (Helm v4's Go library behind a C ABI); no cluster and no helm
binary are needed. The Kubernetes schemas come from the kubernetes-validate package, loaded once per kind.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from referencing import Registry, Resource

REPO_ROOT = Path(__file__).resolve().parents[2]
CHART_DIR = REPO_ROOT / "deploy" / "helm" / "relaydesk"
SCENARIO_DIR = CHART_DIR / "ci"
RELEASE = "relaydesk"
NAMESPACE = "contact"
# The chart's kubeVersion floor and the newest schemas kubernetes-validate ships.
KUBE_VERSIONS = ("1.27", "1.37")
# Custom resources: their operators own the schemas; copies of the CRDs' schemas live in crds/ (README there).
CUSTOM_API_GROUPS = ("ray.io/", "monitoring.coreos.com/", "keda.sh/")
CRD_DIR = Path(__file__).resolve().parent / "crds"

Manifest = dict[str, Any]
# libyaml's loader when PyYAML has it: the pure-Python one spends most of a test's time parsing renders.
_YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def scenario_names() -> list[str]:
    return ["default", *sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))]


def scenario_values(name: str) -> dict[str, Any]:
    if name == "default":
        return {}
    return yaml.safe_load((SCENARIO_DIR / f"{name}.yaml").read_text()) or {}


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Helm's rule for values files: maps merge key by key, null deletes a key, anything else is replaced."""
    out = copy.deepcopy(dict(base))
    for key, value in override.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def chart_values() -> dict[str, Any]:
    return yaml.safe_load((CHART_DIR / "values.yaml").read_text())


class RenderedChart:
    """The objects of one render, with the lookups the tests need."""

    def __init__(self, templates: Mapping[str, str]) -> None:
        self.notes = ""
        self.objects: list[Manifest] = []
        self.source: dict[int, str] = {}
        for path, text in sorted(templates.items()):
            if path.endswith("NOTES.txt"):
                self.notes = text
                continue
            for doc in yaml.load_all(text, Loader=_YAML_LOADER):
                if doc:
                    self.source[id(doc)] = path
                    self.objects.append(doc)

    def of_kind(self, kind: str) -> list[Manifest]:
        return [o for o in self.objects if o["kind"] == kind]

    def named(self, kind: str, name: str) -> Manifest:
        found = [o for o in self.of_kind(kind) if o["metadata"]["name"] == name]
        assert len(found) == 1, f"expected one {kind}/{name}, found {len(found)}"
        return found[0]

    def pod_templates(self) -> Iterator[tuple[str, Manifest]]:
        """(where, pod template) for every pod this release can start."""
        for obj in self.objects:
            where = f"{obj['kind']}/{obj['metadata']['name']}"
            if obj["kind"] in ("Deployment", "Job"):
                yield where, obj["spec"]["template"]
            elif obj["kind"] == "RayService":
                cluster = obj["spec"]["rayClusterConfig"]
                yield f"{where}/head", cluster["headGroupSpec"]["template"]
                for group in cluster["workerGroupSpecs"]:
                    yield f"{where}/{group['groupName']}", group["template"]


class ChartRenderer:
    """One loaded chart, rendered with any values."""

    def __init__(self) -> None:
        import helm_python  # imported here so a missing package skips instead of breaking collection

        self._helm = helm_python
        self._chart = helm_python.Chart.load(str(CHART_DIR))

    def render(self, values: Mapping[str, Any] | None = None) -> RenderedChart:
        templates = self._chart.render(dict(values or {}), name=RELEASE, namespace=NAMESPACE, is_install=True)
        return RenderedChart(templates)

    def lint(self, values: Mapping[str, Any], kube_version: str) -> dict[str, Any]:
        return self._helm.lint(str(CHART_DIR), dict(values), kube_version=f"v{kube_version}.0")

    def close(self) -> None:
        self._chart.close()


def _schema_dir(kube_version: str) -> Any:
    root = resources.files("kubernetes_validate") / "kubernetes-json-schema"
    return root / f"v{kube_version}.0-local-strict"


@cache
def _registry(kube_version: str) -> Registry:
    definitions = json.loads((_schema_dir(kube_version) / "_definitions.json").read_text())
    return Resource.from_contents(definitions) @ Registry()


@cache
def _validator(kube_version: str, api_version: str, kind: str) -> jsonschema.Validator | None:
    # kubernetes-validate's file names: `deployment-apps-v1`, `ingress-networking-v1`, `service-v1`.
    group_version = api_version
    if "/" in api_version:
        group, version = api_version.split("/")
        group_version = f"{group.split('.')[0]}-{version}"
    path = _schema_dir(kube_version) / f"{kind.lower()}-{group_version}.json"
    if not path.is_file():
        return None
    schema = json.loads(path.read_text())
    return jsonschema.Draft202012Validator(schema, registry=_registry(kube_version))


def kubernetes_schema_errors(obj: Manifest, kube_version: str) -> list[str]:
    """Violations of the strict (no unknown fields) schema of obj's kind; raises if the kind is unknown."""
    validator = _validator(kube_version, obj["apiVersion"], obj["kind"])
    if validator is None:
        raise LookupError(f"no Kubernetes {kube_version} schema for {obj['apiVersion']} {obj['kind']}")
    return [f"{'.'.join(str(p) for p in error.absolute_path)}: {error.message}" for error in validator.iter_errors(obj)]


def _structural_to_json_schema(node: Any) -> Any:
    """A CRD's structural schema as strict JSON Schema: `nullable` and int-or-string as the API server reads them,
    and unknown fields rejected where the schema lists the fields (the API server would prune them)."""
    if isinstance(node, list):
        return [_structural_to_json_schema(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _structural_to_json_schema(v) for k, v in node.items() if not k.startswith("x-kubernetes-")}
    out.pop("nullable", None)
    if node.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out.setdefault("anyOf", [{"type": "integer"}, {"type": "string"}])
    if node.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    preserve = node.get("x-kubernetes-preserve-unknown-fields", False)
    if "properties" in node and "additionalProperties" not in node and not preserve:
        out["additionalProperties"] = False
    return out


@cache
def _crd_validator(api_version: str, kind: str, kube_version: str) -> jsonschema.Validator | None:
    group, version = api_version.split("/")
    for path in CRD_DIR.glob(f"{group}_*.{version}.json"):
        doc = json.loads(path.read_text())
        if doc["kind"] != kind:
            continue
        schema = _structural_to_json_schema(doc["openAPIV3Schema"])
        # metadata is `type: object` in a CRD; the API server checks it as ObjectMeta.
        schema["properties"]["metadata"] = {
            "$ref": "https://kubernetes.io/api/_definitions.json#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
        }
        schema["required"] = sorted({*schema.get("required", []), "apiVersion", "kind", "metadata"})
        return jsonschema.Draft202012Validator(schema, registry=_registry(kube_version))
    return None


def crd_schema_errors(obj: Manifest, kube_version: str) -> list[str]:
    """Violations of the CRD schema (crds/) of a custom resource; raises if no CRD schema is kept for its kind."""
    validator = _crd_validator(obj["apiVersion"], obj["kind"], kube_version)
    if validator is None:
        raise LookupError(f"no CRD schema in {CRD_DIR.name}/ for {obj['apiVersion']} {obj['kind']}")
    return [f"{'.'.join(str(p) for p in error.absolute_path)}: {error.message}" for error in validator.iter_errors(obj)]
