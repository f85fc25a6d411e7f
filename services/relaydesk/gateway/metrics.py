from __future__ import annotations

from prometheus_client import Counter, Histogram

MESSAGES = Counter("relaydesk_gateway_messages_total", "Messages accepted", ["tenant", "channel"])
DOCUMENTS = Counter("relaydesk_gateway_documents_total", "Knowledge updates accepted", ["tenant", "op"])
PRODUCE_SECONDS = Histogram(
    "relaydesk_gateway_produce_seconds",
    "Time to produce and get the broker's ack",
    ["kind"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
RATE_LIMITED = Counter(
    "relaydesk_gateway_rate_limited_total", "Requests answered 429 by the per-tenant rate limit", ["tenant"]
)
WAIT_REFUSED = Counter(
    "relaydesk_gateway_waits_refused_total", "Long-polls and streams refused: the tenant holds too many open",
    ["tenant"],
)
