"""Prometheus metrics shared by every stream processor (served at `/metrics`)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

RECORDS = Counter(
    "relaydesk_stage_records_total", "Records consumed by a stage, by outcome", ["stage", "outcome"]
)
OUTPUTS = Counter("relaydesk_stage_outputs_total", "Events produced by a stage, by topic", ["stage", "topic"])
RETRIES = Counter("relaydesk_stage_retries_total", "Handler retries after a retryable error", ["stage"])
BATCH_SIZE = Histogram(
    "relaydesk_stage_batch_size", "Records per handler call", ["stage"], buckets=(1, 2, 4, 8, 16, 32, 64, 128)
)
HANDLE_SECONDS = Histogram(
    "relaydesk_stage_handle_seconds",
    "Handler time per batch",
    ["stage"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
PROCESS_SECONDS = Histogram(
    "relaydesk_stage_process_seconds",
    "Decode + handle + produce + delivery time per batch",
    ["stage"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
