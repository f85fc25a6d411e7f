"""values.yaml is documented key by key, matches values.schema.json, and the schema rejects bad input."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from deploy.deploy_chart import CHART_DIR, RenderedChart, chart_values, deep_merge, scenario_names, scenario_values

pytestmark = pytest.mark.unit

PARAM = re.compile(r"^\s*## @param (\S+)(?:\s+\[([^\]]+)\])?")
SKIP = re.compile(r"^\s*## @skip (\S+)")


def _documented() -> tuple[set[str], set[str]]:
    """(every path with a @param line, paths documented as a whole: [object]/[array] modifiers or @skip)."""
    params: set[str] = set()
    whole: set[str] = set()
    for line in (CHART_DIR / "values.yaml").read_text().splitlines():
        if match := PARAM.match(line):
            params.add(match.group(1))
            if match.group(2) and {"object", "array"} & set(match.group(2).split(",")):
                whole.add(match.group(1))
        elif match := SKIP.match(line):
            whole.add(match.group(1))
    return params, whole


def _paths(values: Any, prefix: str = "") -> Iterator[tuple[str, bool]]:
    """(dotted path, is_leaf) for every key; an empty map or any list is a leaf."""
    for key, value in values.items():
        path = f"{prefix}{key}"
        leaf = not (isinstance(value, dict) and value)
        yield path, leaf
        if not leaf:
            yield from _paths(value, f"{path}.")


def test_when_values_file_read_then_every_key_has_a_param_line() -> None:
    params, whole = _documented()
    undocumented = []
    for path, leaf in _paths(chart_values()):
        covered_by_parent = any(path.startswith(f"{parent}.") for parent in whole)
        if leaf and path not in params and not covered_by_parent:
            undocumented.append(path)
    assert undocumented == []


def test_when_values_file_read_then_every_param_line_names_a_real_key() -> None:
    params, _ = _documented()
    paths = {path for path, _ in _paths(chart_values())}
    assert sorted(params - paths) == []


def _schema_validator() -> jsonschema.Draft7Validator:
    schema = json.loads((CHART_DIR / "values.schema.json").read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


@pytest.mark.parametrize("scenario_name", scenario_names())
def test_when_scenario_merged_over_defaults_then_the_schema_accepts_it(scenario_name: str) -> None:
    values = deep_merge(chart_values(), scenario_values(scenario_name))
    errors = [f"{e.json_path}: {e.message}" for e in _schema_validator().iter_errors(values)]
    assert errors == []


@pytest.mark.parametrize(
    ("bad_values", "where"),
    [
        ({"workers": {"guard": {"replicas": "two"}}}, "/workers/guard/replicas"),  # wrong type
        ({"workers": {"gaurd": {"enabled": True}}}, "gaurd"),  # misspelt stage: would silently do nothing
        ({"gateway": {"replicaCount": 3}}, "replicaCount"),  # another chart's key name
        ({"image": {"digest": "latest"}}, "/image/digest"),  # not a digest
        ({"rayService": {"serve": {"importPath": "relaydesk/generation.py"}}}, "/rayService/serve/importPath"),
        ({"env": {"BAD-NAME": "x"}}, "BAD-NAME"),  # not a valid environment variable name
        ({"gateway": {"secretEnv": {"X": {"secretName": "s"}}}}, "/gateway/secretEnv/X"),  # no key
    ],
)
def test_when_values_break_the_schema_then_helm_refuses_to_render(
    render: Callable[[dict[str, Any]], RenderedChart], bad_values: dict[str, Any], where: str
) -> None:
    with pytest.raises(Exception, match="schema") as caught:
        render(bad_values)
    assert where in str(caught.value)


BAD_VALUES = sorted((Path(__file__).parent / "bad-values").glob("*.yaml"))


def _rejects(path: Path) -> str:
    first = path.read_text().splitlines()[0]
    assert first.startswith("# rejects: "), f"{path.name}: first line must say what the schema rejects"
    return first.removeprefix("# rejects: ").strip()


@pytest.mark.parametrize("path", BAD_VALUES, ids=lambda p: p.stem)
def test_when_a_bad_values_file_is_given_then_helm_refuses_it_naming_the_key(
    render: Callable[[dict[str, Any]], RenderedChart], path: Path
) -> None:
    # Each file under bad-values/ is a mistake an operator could make; its first line names the key the
    # error message must point at, so the message tells them what to fix.
    with pytest.raises(Exception, match="schema") as caught:
        render(yaml.safe_load(path.read_text()))
    assert _rejects(path) in str(caught.value)
