"""Rebuilds the CRD schemas in this folder from the operators' own CRD manifests (see README.md).

Usage: python tests/deploy/crds/extract_crd_schemas.py KEDA_REPO KUBERAY_REPO PROMETHEUS_OPERATOR_REPO
(each a git directory, e.g. a clone). It reads the CRD YAML at the tag named in SOURCES, keeps the
openAPIV3Schema of the version the chart renders, drops `description` texts (they are most of the bytes and carry no
rule), and writes one `<group>_<plural>.<version>.json` per CRD. Not run by the tests.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
# (repository argument index, tag, path of the CRD manifest in that repository, the version the chart renders)
SOURCES: tuple[tuple[int, str, str, str], ...] = (
    (0, "v2.20.2", "config/crd/bases/keda.sh_scaledobjects.yaml", "v1alpha1"),
    (0, "v2.20.2", "config/crd/bases/keda.sh_triggerauthentications.yaml", "v1alpha1"),
    (1, "v1.7.0", "ray-operator/config/crd/bases/ray.io_rayservices.yaml", "v1"),
    (2, "v0.93.0", "example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml", "v1"),
    (2, "v0.93.0", "example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml", "v1"),
)


def strip_descriptions(node: Any) -> Any:
    if isinstance(node, dict):
        # a property may itself be called "description": only drop it where it is a schema's text
        return {
            k: strip_descriptions(v)
            for k, v in node.items()
            if not (k == "description" and isinstance(v, str))
        }
    if isinstance(node, list):
        return [strip_descriptions(v) for v in node]
    return node


def main(repos: list[str]) -> int:
    for index, tag, path, wanted in SOURCES:
        text = subprocess.run(
            ["git", "-C", repos[index], "show", f"{tag}:{path}"], capture_output=True, text=True, check=True
        ).stdout
        crd = yaml.safe_load(text)
        group, plural = crd["spec"]["group"], crd["spec"]["names"]["plural"]
        for version in crd["spec"]["versions"]:
            if version["name"] != wanted:
                continue
            schema = strip_descriptions(version["schema"]["openAPIV3Schema"])
            doc = {
                "source": {"tag": tag, "path": path},
                "group": group,
                "kind": crd["spec"]["names"]["kind"],
                "version": version["name"],
                "openAPIV3Schema": schema,
            }
            out = HERE / f"{group}_{plural}.{version['name']}.json"
            out.write_text(json.dumps(doc, sort_keys=True, separators=(",", ":")) + "\n")
            print(f"{out.name}: {out.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
