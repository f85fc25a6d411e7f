"""Writes the relaydesk Grafana dashboard (deploy/helm/relaydesk/dashboards/relaydesk.json) from the panel list
below: one place to add a panel, and a JSON file the chart ships as a ConfigMap and a local Grafana can import.

Run: python infra/grafana/build_dashboard.py. tests/deploy/test_chart_monitoring.py checks that the committed
JSON is what this writes, that it is valid Grafana dashboard JSON and that every metric it queries exists in
the code.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parents[2] / "deploy" / "helm" / "relaydesk" / "dashboards" / "relaydesk.json"
RATE = "$__rate_interval"
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
TTFT = "relaydesk_generation_ttft_seconds"

# (row title, [(panel title, unit, [(legend, expr)])])
ROWS: list[tuple[str, list[tuple[str, str, list[tuple[str, str]]]]]] = [
    (
        "Pipeline",
        [
            ("Consumer lag by group (records)", "short",
             [("{{group}}", "sum by (group) (max by (group, topic, partition) (relaydesk_consumer_lag))")]),
            ("Records per second by stage", "ops",
             [("{{stage}} {{outcome}}", f"sum by (stage, outcome) (rate(relaydesk_stage_records_total[{RATE}]))")]),
            ("Batch time p95 by stage (decode, handle, produce, ack)", "s",
             [("{{stage}}", "histogram_quantile(0.95, sum by (stage, le) "
                            f"(rate(relaydesk_stage_process_seconds_bucket[{RATE}])))")]),
            ("Dead letters per minute", "short",
             [("{{stage}} {{error_type}}",
               f"sum by (stage, error_type) (rate(relaydesk_dead_letters_total[{RATE}])) * 60")]),
            ("Retries per second", "ops",
             [("{{stage}}", f"sum by (stage) (rate(relaydesk_stage_retries_total[{RATE}]))")]),
            ("Redeliveries dropped by id", "ops",
             [("{{stage}} {{kind}}", f"sum by (stage, kind) (rate(relaydesk_deduped_total[{RATE}]))")]),
        ],
    ),
    (
        "Replies",
        [
            ("Fallbacks by kind", "ops",
             [("{{stage}} {{kind}}", f"sum by (stage, kind) (rate(relaydesk_fallbacks_total[{RATE}]))")]),
            ("Hand-offs by reason", "ops",
             [("{{reason}}", f"sum by (reason) (rate(relaydesk_handoffs_total[{RATE}]))")]),
            ("Time to first token", "s", [
                ("p50", f"histogram_quantile(0.5, sum by (le) (rate({TTFT}_bucket[{RATE}])))"),
                ("p95", f"histogram_quantile(0.95, sum by (le) (rate({TTFT}_bucket[{RATE}])))"),
            ]),
            ("Generation requests waiting or running", "short", [
                ("total", "sum(relaydesk_generation_queue_depth)"),
                ("per replica", "avg(relaydesk_generation_queue_depth)"),
            ]),
            ("Compliance verdicts", "ops",
             [("{{verdict}}", f"sum by (verdict) (rate(relaydesk_compliance_verdicts_total[{RATE}]))")]),
            ("Streamed text retracted after the customer saw it", "ops",
             [("retractions", f"sum(rate(relaydesk_stream_retractions_total[{RATE}]))")]),
        ],
    ),
    (
        "Knowledge, quality and outbound",
        [
            ("Knowledge update to searchable", "s", [
                ("by words p50", "histogram_quantile(0.5, sum by (le) "
                                 f"(rate(relaydesk_knowledge_freshness_seconds_bucket[{RATE}])))"),
                ("by words p95", "histogram_quantile(0.95, sum by (le) "
                                 f"(rate(relaydesk_knowledge_freshness_seconds_bucket[{RATE}])))"),
                ("dense vector p95", "histogram_quantile(0.95, sum by (le) "
                                     f"(rate(relaydesk_dense_lag_seconds_bucket[{RATE}])))"),
            ]),
            ("QA mean score (0-100)", "short",
             [("{{rubric_version}}", f"sum by (rubric_version) (rate(relaydesk_qa_score_sum[{RATE}])) / "
                                     f"sum by (rubric_version) (rate(relaydesk_qa_score_count[{RATE}]))")]),
            ("QA agreement with people (Cohen's kappa)", "short",
             [("{{rubric_version}} {{question}}", "max by (rubric_version, question) (relaydesk_qa_kappa)")]),
            ("Pre-dial decisions", "ops",
             [("{{outcome}} {{rule}}", f"sum by (outcome, rule) (rate(relaydesk_dial_decisions_total[{RATE}]))")]),
        ],
    ),
    (
        "Gateway",
        [
            ("Messages accepted per second", "ops",
             [("{{channel}}", f"sum by (channel) (rate(relaydesk_gateway_messages_total[{RATE}]))")]),
            ("Produce to broker ack, p95", "s",
             [("{{kind}}", "histogram_quantile(0.95, sum by (kind, le) "
                           f"(rate(relaydesk_gateway_produce_seconds_bucket[{RATE}])))")]),
        ],
    ),
]


def build() -> dict[str, Any]:
    panels: list[dict[str, Any]] = []
    panel_id = 1
    y = 0
    for row_title, row_panels in ROWS:
        panels.append({"type": "row", "id": panel_id, "title": row_title, "collapsed": False,
                       "gridPos": {"h": 1, "w": 24, "x": 0, "y": y}, "panels": []})
        panel_id += 1
        y += 1
        for index, (title, unit, queries) in enumerate(row_panels):
            panels.append({
                "type": "timeseries",
                "id": panel_id,
                "title": title,
                "datasource": DATASOURCE,
                "gridPos": {"h": 8, "w": 8, "x": (index % 3) * 8, "y": y + (index // 3) * 8},
                "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
                "options": {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": True},
                            "tooltip": {"mode": "multi", "sort": "desc"}},
                "targets": [
                    {"refId": chr(ord("A") + i), "datasource": DATASOURCE, "expr": expr, "legendFormat": legend}
                    for i, (legend, expr) in enumerate(queries)
                ],
            })
            panel_id += 1
        y += ((len(row_panels) + 2) // 3) * 8
    return {
        "uid": "relaydesk-overview",
        "title": "relaydesk",
        "description": "Lag, dead letters, fallbacks, hand-offs, generation, knowledge freshness, compliance, QA",
        "tags": ["relaydesk"],
        "timezone": "utc",
        "editable": True,
        "graphTooltip": 1,
        "schemaVersion": 39,
        "version": 1,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "templating": {"list": [{
            "name": "datasource", "label": "Prometheus", "type": "datasource", "query": "prometheus",
            "current": {}, "hide": 0, "refresh": 1, "options": [],
        }]},
        "annotations": {"list": []},
        "links": [],
        "panels": panels,
    }


def main() -> int:
    OUT.write_text(json.dumps(build(), indent=2) + "\n")
    print(OUT)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
