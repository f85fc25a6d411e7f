"""The gateway's QA view: the latest score of each conversation per rubric version (for
`GET /v1/conversations/{id}/qa`), the graders' labels, and the agreement between the two per rubric version,
computed as scores and labels arrive and exported as QA_KAPPA. Rebuilt from the topics on start; bounded."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from confluent_kafka import Message

from relaydesk.common import serde
from relaydesk.common.metrics import DEDUPED, QA_KAPPA
from relaydesk.common.settings import KafkaSettings
from relaydesk.common.topics import Topics
from relaydesk.common.two_speed import view_reader
from relaydesk.events import QaLabel, QaScored
from relaydesk.qa.agreement import auto_fail_pr, mean, question_agreement

Key = tuple[str, str]  # (tenant, conversation)
AUTO_FAIL_DEFAULT = ("no_pii_exposure", "opt_out_honoured")


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


class QaView:
    def __init__(self, kafka: KafkaSettings, max_conversations: int = 20_000, max_labels: int = 50_000) -> None:
        self._lock = threading.Lock()
        self._max_conversations = max_conversations
        self._max_labels = max_labels
        self._scores: OrderedDict[Key, dict[str, QaScored]] = OrderedDict()
        self._labels: OrderedDict[tuple[str, str, str], QaLabel] = OrderedDict()
        self._seen: OrderedDict[str, None] = OrderedDict()
        self.consumers = [
            # Scores are read by people, seconds after a close: 250 ms while the gateway is busy, slower when idle.
            view_reader(kafka, (Topics.QA_SCORED, Topics.QA_LABELS), self._on_record, name="gateway-qa",
                        fetch_wait_ms=250),
        ]

    def start(self) -> QaView:
        for consumer in self.consumers:
            consumer.start()
        return self

    # -- feeding (consumer thread) ----------------------------------------------------------------------------
    def _on_record(self, msg: Message) -> None:
        if not msg.value():
            return
        event: Any = serde.deserialize(msg.value() or b"")
        if isinstance(event, QaScored | QaLabel):
            self.apply(event)

    def apply(self, event: QaScored | QaLabel) -> None:
        with self._lock:
            if event.event_id in self._seen:
                DEDUPED.labels("gateway", "qa").inc()
                return
            self._seen[event.event_id] = None
            while len(self._seen) > 4 * self._max_conversations:
                self._seen.popitem(last=False)
            key = (event.tenant_id, str(event.conversation_id))
            if isinstance(event, QaScored):
                versions = self._scores.pop(key, {})
                known = versions.get(event.rubric_version)
                if known is None or event.occurred_at >= known.occurred_at:
                    versions[event.rubric_version] = event
                self._scores[key] = versions
                while len(self._scores) > self._max_conversations:
                    self._scores.popitem(last=False)
                touched = any(k[:2] == key for k in self._labels) if self._labels else False
            else:
                self._labels.pop((*key, event.grader_id), None)
                self._labels[(*key, event.grader_id)] = event
                while len(self._labels) > self._max_labels:
                    self._labels.popitem(last=False)
                touched = True
            if touched:
                self._export()

    # -- reading ----------------------------------------------------------------------------------------------
    def scores(self, tenant: str, conversation_id: str) -> list[QaScored]:
        """Every rubric version's latest score of the conversation, newest first."""
        with self._lock:
            versions = self._scores.get((tenant, conversation_id), {})
            return sorted(versions.values(), key=lambda s: s.occurred_at, reverse=True)

    def _auto_for(self, label: QaLabel) -> QaScored | None:
        versions = self._scores.get((label.tenant_id, str(label.conversation_id)), {})
        if label.rubric_version:
            return versions.get(label.rubric_version)
        return max(versions.values(), key=lambda s: s.occurred_at, default=None)

    def _pairs(self, tenant: str | None) -> dict[str, dict[str, Any]]:
        """Per rubric version: (auto, human) pairs per question and per-conversation answer maps."""
        out: dict[str, dict[str, Any]] = {}
        for (label_tenant, _cid, _grader), label in self._labels.items():
            if tenant is not None and label_tenant != tenant:
                continue
            auto = self._auto_for(label)
            if auto is None:
                continue
            auto_answers = {a.question: a.answer for a in auto.answers}
            human = {a.question: a.answer for a in label.answers}
            entry = out.setdefault(auto.rubric_version, {"pairs": {}, "rows": [], "labels": 0})
            entry["labels"] += 1
            for q, h in human.items():
                if q in auto_answers:
                    entry["pairs"].setdefault(q, []).append((auto_answers[q], h))
            auto_fail = [a.question for a in auto.answers if a.question in AUTO_FAIL_DEFAULT]
            entry["rows"].append((auto_answers, human, tuple(auto_fail) or AUTO_FAIL_DEFAULT))
        return out

    def agreement(self, tenant: str | None = None) -> dict[str, Any]:
        with self._lock:
            return self._agreement(tenant)

    def _agreement(self, tenant: str | None) -> dict[str, Any]:
        report: dict[str, Any] = {}
        for version, entry in self._pairs(tenant).items():
            questions = {}
            for q, pairs in sorted(entry["pairs"].items()):
                qa = question_agreement(q, pairs)
                questions[q] = {"n": qa.n, "accuracy": _round(qa.accuracy), "kappa": _round(qa.kappa)}
            ids = entry["rows"][0][2] if entry["rows"] else AUTO_FAIL_DEFAULT
            af = auto_fail_pr(((a, h) for a, h, _ in entry["rows"]), ids)
            report[version] = {
                "labels": entry["labels"],
                "mean_kappa": _round(mean(v["kappa"] for v in questions.values())),
                "questions": questions,
                "auto_fail": {k: _round(v) if isinstance(v, float) else v for k, v in af.items()},
            }
        return report

    def _export(self) -> None:
        for version, entry in self._agreement(None).items():
            for q, figures in entry["questions"].items():
                if figures["kappa"] is not None:
                    QA_KAPPA.labels(version, q).set(figures["kappa"])
