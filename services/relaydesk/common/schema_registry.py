"""Loads the JSON Schemas under `schemas/` (the contract) and validates documents against them.

The schemas reference each other by relative `$ref`; every file carries an absolute `$id`, so one
`referencing.Registry` resolves them all.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

_DEFAULT_DIRS = (
    Path(__file__).resolve().parents[3] / "schemas",  # a source checkout / editable install
    Path("/app/schemas"),  # the container image
)


def schemas_dir() -> Path:
    env = os.environ.get("RELAYDESK_SCHEMAS_DIR")
    if env:
        return Path(env)
    for candidate in _DEFAULT_DIRS:
        if (candidate / "common" / "envelope.v1.json").exists():
            return candidate
    raise FileNotFoundError("relaydesk schemas not found: set RELAYDESK_SCHEMAS_DIR")


@cache
def _registry_and_ids() -> tuple[Registry, dict[str, str]]:
    root = schemas_dir()
    resources = []
    ids: dict[str, str] = {}
    for path in sorted(root.rglob("*.json")):
        doc = json.loads(path.read_text())
        resources.append((doc["$id"], Resource.from_contents(doc)))
        ids[path.relative_to(root).as_posix()] = doc["$id"]
    return Registry().with_resources(resources), ids


def load_schema(rel_path: str) -> dict[str, Any]:
    return dict(json.loads((schemas_dir() / rel_path).read_text()))


@cache
def validator_for(rel_path: str) -> Draft202012Validator:
    registry, _ = _registry_and_ids()
    schema = load_schema(rel_path)
    return Draft202012Validator(schema, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER)


def registry() -> Registry:
    return _registry_and_ids()[0]
