"""The gateway's QA view without a broker: latest score per rubric version, tenant scoping, dedupe by id,
and agreement (kappa, auto-fail precision/recall) from graders' labels, exported as QA_KAPPA."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from prometheus_client import REGISTRY

from relaydesk.common.settings import KafkaSettings
from relaydesk.events import QaLabel, QaScored
from relaydesk.events.qa import QaAnswer, QaLabelAnswer
from relaydesk.gateway.qa_view import QaView

T0 = datetime(2026, 12, 1, tzinfo=UTC)


def scored(cid: str, version: str, answers: dict[str, str], at: int = 0, tenant: str = "acme") -> QaScored:
    return QaScored(
        event_id=f"s-{cid}-{version}-{at}", tenant_id=tenant, conversation_id=cid, rubric_name="r",
        rubric_version=version, score=50.0, auto_failed=answers.get("no_pii_exposure") == "no",
        answers=[QaAnswer(question=q, answer=a, confidence=0.9) for q, a in answers.items()],  # type: ignore[arg-type]
        closed_by="state", turns=2, last_event_id="e1", occurred_at=T0 + timedelta(seconds=at),
    )


def label(cid: str, answers: dict[str, str], grader: str = "g1", version: str | None = "v1") -> QaLabel:
    return QaLabel(
        tenant_id="acme", conversation_id=cid, grader_id=grader, rubric_version=version,
        answers=[QaLabelAnswer(question=q, answer=a) for q, a in answers.items()],  # type: ignore[arg-type]
    )


def test_when_scores_arrive_then_latest_per_version_and_tenant_scoped() -> None:
    view = QaView(KafkaSettings())
    view.apply(scored("c1", "v1", {"closing": "no"}, at=0))
    view.apply(scored("c1", "v1", {"closing": "yes"}, at=5))
    view.apply(scored("c1", "v2", {"closing": "yes"}, at=9))
    view.apply(scored("c1", "v1", {"closing": "yes"}, at=5))  # redelivered: dropped by id
    got = view.scores("acme", "c1")
    assert [s.rubric_version for s in got] == ["v2", "v1"]
    assert got[1].answers[0].answer == "yes"
    assert view.scores("other", "c1") == []


def test_when_labels_arrive_then_agreement_and_metric() -> None:
    view = QaView(KafkaSettings())
    auto = [("c1", "yes", "yes"), ("c2", "no", "no"), ("c3", "yes", "no"), ("c4", "no", "no")]
    for cid, closing, pii in auto:
        view.apply(scored(cid, "v1", {"closing": closing, "no_pii_exposure": pii}))
    human = [("c1", "yes", "yes"), ("c2", "no", "no"), ("c3", "yes", "yes"), ("c4", "yes", "no")]
    for cid, closing, pii in human:
        view.apply(label(cid, {"closing": closing, "no_pii_exposure": pii}))
    report = view.agreement("acme")["v1"]
    assert report["labels"] == 4
    # closing: auto yes,no,yes,no vs human yes,no,yes,yes -> po 0.75, pe 0.5 -> kappa 0.5
    assert report["questions"]["closing"]["kappa"] == 0.5
    assert report["auto_fail"]["tp"] == 2 and report["auto_fail"]["fp"] == 1 and report["auto_fail"]["fn"] == 0
    value = REGISTRY.get_sample_value("relaydesk_qa_kappa", {"rubric_version": "v1", "question": "closing"})
    assert value == 0.5
    assert view.agreement("other") == {}
