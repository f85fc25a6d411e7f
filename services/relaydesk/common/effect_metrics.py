"""Counts what a stage's outputs mean for the SRE signals (hand-offs by reason, compliance verdicts, knowledge
freshness), in one place: the stage runner calls `observe` for every event it has produced."""

from __future__ import annotations

from relaydesk.common import metrics
from relaydesk.events import Envelope, Handoff, KnowledgeApplied, Reply


def observe(event: Envelope) -> None:
    if isinstance(event, Handoff):
        metrics.HANDOFFS.labels(event.reason).inc()
    elif isinstance(event, Reply):
        metrics.COMPLIANCE_VERDICTS.labels(event.compliance.verdict).inc()
    elif isinstance(event, KnowledgeApplied):
        metrics.KNOWLEDGE_FRESHNESS.observe(event.freshness_ms / 1000.0)
