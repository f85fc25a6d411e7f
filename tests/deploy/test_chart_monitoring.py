"""Alerts and the dashboard: valid objects, every alert has a runbook section, and every metric a panel or an
alert reads is one the code defines (a renamed metric would otherwise leave a silent, empty panel)."""

from __future__ import annotations

import ast
import importlib.util
import json
import re
import sys
from collections.abc import Callable
from typing import Any

import pytest

from deploy.deploy_chart import CHART_DIR, REPO_ROOT, RenderedChart

pytestmark = pytest.mark.unit

DASHBOARD = CHART_DIR / "dashboards" / "relaydesk.json"
RUNBOOK = REPO_ROOT / "docs" / "runbook.md"
METRIC_KINDS = {"Counter", "Gauge", "Histogram", "Summary", "Info", "Enum"}
# PromQL words that are not metric names: aggregations, functions are followed by "(", these are not always.
PROMQL_WORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool",
                "offset", "le", "inf", "nan"}


def _exposed(kind: str, name: str) -> set[str]:
    """The series names prometheus_client exposes for a metric (Counter("x") and Counter("x_total") are one)."""
    if kind == "Counter":
        base = name.removesuffix("_total")
        return {f"{base}_total", f"{base}_created"}
    if kind == "Histogram":
        return {f"{name}_bucket", f"{name}_sum", f"{name}_count", f"{name}_created"}
    if kind == "Summary":
        return {name, f"{name}_sum", f"{name}_count", f"{name}_created"}
    if kind == "Info":
        return {f"{name}_info"}
    return {name}


def defined_metrics() -> set[str]:
    """Every series name declared with prometheus_client anywhere under services/ (found without importing)."""
    names: set[str] = set()
    for path in (REPO_ROOT / "services").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)):
                continue
            func = node.func
            kind = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if kind in METRIC_KINDS and isinstance(node.args[0].value, str):
                names |= _exposed(kind, node.args[0].value)
    return names


def metrics_in(expr: str) -> set[str]:
    """Metric names a PromQL expression selects. With promql-parser installed the query is parsed (a syntax error
    fails the test) and its vector selectors are read; without it, a scan of the text stands in."""
    # Grafana's interval variable is not PromQL; any duration parses the same.
    query = expr.replace("$__rate_interval", "5m")
    if importlib.util.find_spec("promql_parser") is not None:
        import promql_parser

        names: set[str] = set()

        def visit(node: Any) -> bool:
            if isinstance(node, promql_parser.VectorSelector) and node.name:
                names.add(node.name)
            return True

        promql_parser.walk(promql_parser.parse(query), visit)
        return names
    return _scanned_metrics(query)


def _scanned_metrics(expr: str) -> set[str]:
    """Identifiers outside strings, label matchers, ranges and grouping clauses that are not functions
    (followed by a parenthesis) or PromQL keywords."""
    text = re.sub(r'"(?:\\.|[^"\\])*"', '""', expr)
    text = re.sub(r"\{[^}]*\}", "", text)
    text = re.sub(r"\[[^\]]*\]", "", text)
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    # numbers and durations (0.95, 1e-9, 60, 1d)
    text = re.sub(r"(?<![A-Za-z0-9_:])\d[\d.]*(?:e[+-]?\d+)?(?:ms|[smhdwy])?", " ", text)
    names = set()
    for match in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", text):
        word = match.group(0)
        if text[match.end() :].lstrip().startswith("(") or word.lower() in PROMQL_WORDS:
            continue
        names.add(word)
    return names


@pytest.mark.parametrize(
    ("expr", "names"),
    [
        ('sum by (stage) (rate(relaydesk_x_total{stage="a b"}[5m])) * 60 > 1', {"relaydesk_x_total"}),
        ("histogram_quantile(0.95, sum by (le) (rate(a_bucket[$__rate_interval])))", {"a_bucket"}),
        ("a / on () group_left () clamp_min(b, 1e-9) > 0.2", {"a", "b"}),
        ("(sum(rate(s[6h])) / sum(rate(c[6h] offset 1d)))", {"s", "c"}),
    ],
)
def test_when_a_query_is_read_then_its_metric_names_are_found(expr: str, names: set[str]) -> None:
    assert metrics_in(expr) == names
    assert _scanned_metrics(expr.replace("$__rate_interval", "5m")) == names  # the fallback agrees


def _dashboard() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(DASHBOARD.read_text())
    return doc


def _queries(dashboard: dict[str, Any]) -> list[tuple[str, str]]:
    return [(p["title"], t["expr"]) for p in dashboard["panels"] if p["type"] != "row" for t in p["targets"]]


def test_when_dashboard_read_then_it_is_grafana_dashboard_json_with_queries_in_every_panel() -> None:
    dashboard = _dashboard()
    assert isinstance(dashboard["schemaVersion"], int) and dashboard["schemaVersion"] >= 36
    assert dashboard["uid"] and dashboard["title"]
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    for panel in dashboard["panels"]:
        grid = panel["gridPos"]
        assert grid["x"] >= 0 and grid["x"] + grid["w"] <= 24 and grid["h"] > 0, panel["title"]
        if panel["type"] == "row":
            continue
        assert panel["type"] == "timeseries" and panel["datasource"]["type"] == "prometheus", panel["title"]
        assert panel["targets"], panel["title"]
        ref_ids = [t["refId"] for t in panel["targets"]]
        assert len(ref_ids) == len(set(ref_ids)) and all(t["expr"].strip() for t in panel["targets"])


def test_when_dashboard_loaded_with_grafanas_own_types_then_nothing_is_unknown_or_lost() -> None:
    # grafana-foundation-sdk's Dashboard model (from Grafana's schemas) drops fields it does not know: a
    # round trip that loses nothing means every field we write is a real dashboard, panel or query field.
    if importlib.util.find_spec("grafana_foundation_sdk") is None:
        pytest.skip("grafana-foundation-sdk is not installed (pip install -e .[dev])")
    from grafana_foundation_sdk.cog import encoder, plugins
    from grafana_foundation_sdk.models import dashboard as grafana

    plugins.register_default_plugins()
    source = _dashboard()
    loaded = grafana.Dashboard.from_json(source)
    assert loaded.panels is not None and len(loaded.panels) == len(source["panels"])
    again = json.loads(encoder.JSONEncoder(sort_keys=True).encode(loaded))

    def lost(a: Any, b: Any, path: str = "") -> list[str]:
        if isinstance(a, dict):
            return [p for k, v in a.items() for p in (lost(v, b[k], f"{path}/{k}") if k in b else [f"{path}/{k}"])]
        if isinstance(a, list):
            return [p for i, (x, y) in enumerate(zip(a, b, strict=True)) for p in lost(x, y, f"{path}[{i}]")]
        return [] if a == b else [f"{path}: {a!r} became {b!r}"]

    assert lost(source, again) == []


def test_when_dashboard_file_compared_then_it_is_what_the_builder_writes() -> None:
    sys.path.insert(0, str(REPO_ROOT / "infra" / "grafana"))
    try:
        import build_dashboard
    finally:
        sys.path.pop(0)
    assert _dashboard() == build_dashboard.build(), "run: python infra/grafana/build_dashboard.py"


def test_when_dashboard_queries_read_then_every_metric_is_defined_in_the_code() -> None:
    defined = defined_metrics()
    assert {"relaydesk_consumer_lag", "relaydesk_stage_records_total", "relaydesk_generation_ttft_seconds_bucket"} <= (
        defined
    )
    unknown = [(title, name) for title, expr in _queries(_dashboard()) for name in metrics_in(expr) - defined]
    assert unknown == []


def test_when_dashboard_enabled_then_the_chart_ships_it_for_the_grafana_sidecar(
    render_scenario: Callable[[str], RenderedChart],
) -> None:
    config_map = render_scenario("default").named("ConfigMap", "relaydesk-dashboard")
    assert config_map["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert json.loads(config_map["data"]["relaydesk.json"]) == _dashboard()


def _alerts(rendered: RenderedChart) -> list[dict[str, Any]]:
    (rule,) = rendered.of_kind("PrometheusRule")
    return [r for group in rule["spec"]["groups"] for r in group["rules"] if "alert" in r]


def _runbook_anchors() -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    anchors = set()
    for line in RUNBOOK.read_text().splitlines():
        if match := re.match(r"^#{1,6}\s+(.*)$", line):
            anchors.add(re.sub(r"[^\w\- ]", "", match.group(1).strip().lower()).replace(" ", "-"))
    return anchors


def test_when_rules_rendered_then_every_alert_links_to_its_own_runbook_section(
    render_scenario: Callable[[str], RenderedChart],
) -> None:
    alerts = _alerts(render_scenario("production"))
    names = [a["alert"] for a in alerts]
    assert len(names) == len(set(names)) and len(names) >= 9
    anchors = _runbook_anchors()
    for alert in alerts:
        url = alert["annotations"]["runbook_url"]
        assert url.startswith("https://") and "/docs/runbook.md#" in url, alert["alert"]
        anchor = url.split("#", 1)[1]
        assert anchor == alert["alert"].lower(), alert["alert"]
        assert anchor in anchors, f"docs/runbook.md has no section for {alert['alert']}"
        assert alert["labels"]["severity"] in {"warning", "critical"}
        assert "{{ $labels" in alert["annotations"]["summary"] or "{{ $value" in alert["annotations"]["summary"]


def test_when_rules_rendered_then_every_alert_expression_reads_metrics_the_code_defines(
    render_scenario: Callable[[str], RenderedChart],
) -> None:
    defined = defined_metrics()
    for alert in _alerts(render_scenario("production")):
        used = metrics_in(alert["expr"])
        assert used, alert["alert"]
        assert used <= defined, f"{alert['alert']}: {sorted(used - defined)}"


def test_when_a_threshold_is_set_then_its_alert_uses_it(render: Callable[[dict[str, Any]], RenderedChart]) -> None:
    rendered = render({"prometheusRule": {"enabled": True, "thresholds": {"consumerLagRecords": 4321}}})
    lag = next(a for a in _alerts(rendered) if a["alert"] == "RelaydeskConsumerLagHigh")
    assert lag["expr"].endswith("> 4321")


def test_when_rules_are_off_then_no_prometheus_rule_renders(render_scenario: Callable[[str], RenderedChart]) -> None:
    assert render_scenario("default").of_kind("PrometheusRule") == []


def test_when_the_local_prometheus_loads_its_rules_then_they_are_the_charts_alerts(
    render: Callable[[dict[str, Any]], RenderedChart],
) -> None:
    import yaml

    (rule,) = render({"prometheusRule": {"enabled": True}}).of_kind("PrometheusRule")
    local = yaml.safe_load((REPO_ROOT / "infra" / "prometheus" / "rules.yml").read_text())
    assert local == {"groups": rule["spec"]["groups"]}, "regenerate infra/prometheus/rules.yml from the chart"
    assert "rules.yml" in yaml.safe_load((REPO_ROOT / "infra" / "prometheus" / "prometheus.yml").read_text())[
        "rule_files"
    ]
