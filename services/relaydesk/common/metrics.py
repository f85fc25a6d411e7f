"""Prometheus metrics shared by every stream processor (served at `/metrics`)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

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

# --- Signals every SRE dashboard and alert reads (deploy/helm/relaydesk/dashboards, alerts). Define a metric
# here once, increment it where the thing happens (adapters and apps; pure cores return what happened).
DEAD_LETTERS = Counter(
    "relaydesk_dead_letters_total", "Records sent to a dead-letter topic, by stage and error type",
    ["stage", "error_type"],
)
FALLBACKS = Counter(
    "relaydesk_fallbacks_total",
    "Defined degradations taken instead of the normal path (generation timeout, vector store down, cache "
    "error, history unavailable, broadcast lag, ...), by stage and kind",
    ["stage", "kind"],
)
EARLY_STOPS = Counter(
    "relaydesk_generation_early_stops_total",
    "Generations stopped while streaming because a finished sentence already failed the grounding check "
    "(the answer would have been rejected whole), by stage and reason",
    ["stage", "reason"],
)
GROUNDING_REJECTIONS = Counter(
    "relaydesk_grounding_rejections_total",
    "Generated answers the grounding check could not vouch for (answered from the source sentences instead), "
    "by stage and reason (negation, number, unit, condition, restates_question, unsupported_terms, ...)",
    ["stage", "reason"],
)
HANDOFFS = Counter("relaydesk_handoffs_total", "Hand-offs to a person, by reason", ["reason"])
DEDUPED = Counter(
    "relaydesk_deduped_total", "Repeated events dropped by id (redeliveries), by stage and kind", ["stage", "kind"]
)
COMPLIANCE_VERDICTS = Counter(
    "relaydesk_compliance_verdicts_total", "Final compliance verdicts on replies, by verdict", ["verdict"]
)
STREAM_RETRACTIONS = Counter(
    "relaydesk_stream_retractions_total", "Streamed partial replies retracted after the customer saw them"
)
CONSUMER_LAG = Gauge(
    "relaydesk_consumer_lag", "Records behind the end of the topic, per consumer group, topic and partition",
    ["group", "topic", "partition"],
)
GENERATION_TTFT = Histogram(
    "relaydesk_generation_ttft_seconds", "Time to first token of a generated reply",
    buckets=(0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 5, 10, 20),
)
GENERATION_QUEUE_DEPTH = Gauge(
    "relaydesk_generation_queue_depth", "Generation requests waiting or running in this replica"
)
KNOWLEDGE_FRESHNESS = Histogram(
    "relaydesk_knowledge_freshness_seconds", "Knowledge update produced -> applied and searchable",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30),
)
RETRIEVAL_RESULT_CACHE = Counter(
    "relaydesk_retrieval_result_cache_total",
    "Queries answered from retrieval's result cache (hit), searched and kept (kept), or searched and not kept "
    "while the index was unsettled (unsettled)",
    ["outcome"],
)
DENSE_BACKLOG = Gauge(
    "relaydesk_dense_backlog",
    "Chunks and retrieval units written without their final dense vector, queued in this process's background"
    " indexer (keyword search finds them meanwhile, semantic search not yet)",
)
DENSE_LAG = Histogram(
    "relaydesk_dense_lag_seconds", "Chunk or retrieval unit written -> its dense vector set (semantic search finds it)",
    buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900),
)
QA_SCORE = Histogram(
    "relaydesk_qa_score", "QA rubric score of scored conversations (0-100)", ["rubric_version"],
    buckets=(10, 20, 30, 40, 50, 60, 70, 80, 90, 100),
)
QA_KAPPA = Gauge(
    "relaydesk_qa_kappa", "Cohen's kappa of automatic vs human QA answers, per rubric version and question",
    ["rubric_version", "question"],
)
DIAL_DECISIONS = Counter(
    "relaydesk_dial_decisions_total", "Pre-dial policy decisions, by outcome and blocking rule", ["outcome", "rule"]
)
