"""The SRE signals the alerts read are counted from what the stages produce, not only declared."""

from __future__ import annotations

import sys
from pathlib import Path

from prometheus_client import REGISTRY

from relaydesk.common import effect_metrics
from relaydesk.events import Handoff, KnowledgeApplied, Reply

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "integration" / "spine"))
from event_samples import sample_event


def _value(name: str, labels: dict[str, str] | None = None) -> float:
    return REGISTRY.get_sample_value(name, labels or {}) or 0.0


def test_when_handoff_produced_then_counted_by_reason() -> None:
    event = sample_event(Handoff, reason="escalation")
    before = _value("relaydesk_handoffs_total", {"reason": "escalation"})
    effect_metrics.observe(event)
    assert _value("relaydesk_handoffs_total", {"reason": "escalation"}) == before + 1


def test_when_reply_produced_then_verdict_counted() -> None:
    event = sample_event(Reply)
    verdict = event.compliance.verdict
    before = _value("relaydesk_compliance_verdicts_total", {"verdict": verdict})
    effect_metrics.observe(event)
    assert _value("relaydesk_compliance_verdicts_total", {"verdict": verdict}) == before + 1


def test_when_knowledge_applied_then_freshness_observed_in_seconds() -> None:
    event = sample_event(KnowledgeApplied, freshness_ms=180.0)
    count, total = _value("relaydesk_knowledge_freshness_seconds_count"), _value("relaydesk_knowledge_freshness_seconds_sum")
    effect_metrics.observe(event)
    assert _value("relaydesk_knowledge_freshness_seconds_count") == count + 1
    assert abs(_value("relaydesk_knowledge_freshness_seconds_sum") - total - 0.18) < 1e-9
