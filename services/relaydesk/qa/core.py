"""The QA processor's pure core: fold the conversation's events into its transcript, and score it when it
closes (a `conversation.state` of `closed`, or no event for the idle timeout). Scores are `qa.scored` events
with deterministic ids, so a redelivered close or a second sweep yields the same event, which readers dedupe.

The processor reads its own `qa.scored` back: a score for the transcript's latest event marks it scored, and
a close by state removes the transcript, which keeps the table bounded by the conversations in flight.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

from relaydesk.common import metrics
from relaydesk.events import ConversationState, Envelope, QaScored, TenantConfig
from relaydesk.events.ids import derived_id
from relaydesk.events.qa import QaAnswer, QaEvidence
from relaydesk.qa.conversation import Conversation
from relaydesk.qa.rubric import Rubric, cached_rubric, default_rubric
from relaydesk.qa.scorer import QaResult
from relaydesk.qa.transcript import Transcript, apply_event, new_transcript, to_conversation

log = logging.getLogger(__name__)


class TranscriptStore(Protocol):
    def get(self, conversation_id: str) -> Transcript | None: ...
    def put(self, conversation_id: str, transcript: Transcript) -> None: ...
    def delete(self, conversation_id: str) -> None: ...
    # Read-only rows (the sweep only reads them); `get` hands out a copy the core may change.
    def items(self) -> Iterable[tuple[str, Transcript]]: ...


class InMemoryTranscriptStore:
    def __init__(self) -> None:
        self.rows: dict[str, Transcript] = {}

    def get(self, conversation_id: str) -> Transcript | None:
        return self.rows.get(conversation_id)

    def put(self, conversation_id: str, transcript: Transcript) -> None:
        self.rows[conversation_id] = transcript

    def delete(self, conversation_id: str) -> None:
        self.rows.pop(conversation_id, None)

    def items(self) -> Iterable[tuple[str, Transcript]]:
        return list(self.rows.items())


@dataclass
class TenantQa:
    company: str | None = None
    rubric: Rubric | None = None


@dataclass
class QaDeps:
    store: TranscriptStore
    score: Callable[[Conversation, Rubric], QaResult]
    idle_timeout_s: float = 1800.0
    # A close is scored once its conversation has been quiet this long: the turns and replies travel on other
    # topics than the close, with no order between topics, so a reply sent before the close may be read after it.
    close_grace_s: float = 2.0
    max_items: int = 200
    clock: Callable[[], float] = time.time
    tenants: dict[str, TenantQa] = field(default_factory=dict)
    # Scores the sweep already produced, until they come back on the topic (bounded).
    emitted: OrderedDict[str, str] = field(default_factory=OrderedDict)
    emitted_limit: int = 10_000

    def rubric_for(self, tenant_id: str) -> Rubric:
        tenant = self.tenants.get(tenant_id)
        return tenant.rubric if tenant and tenant.rubric else default_rubric()

    def company_for(self, tenant_id: str) -> str | None:
        tenant = self.tenants.get(tenant_id)
        return tenant.company if tenant else None


def apply_tenant_config(config: TenantConfig, deps: QaDeps) -> None:
    rubric = None
    if config.qa_rubric:
        try:
            rubric = cached_rubric(config.qa_rubric)
        except ValueError as exc:  # an invalid rubric keeps the previous one (or the default), never the worker down
            log.warning("tenant %s: QA rubric rejected (%s); keeping the previous one", config.tenant_id,
                        type(exc).__name__)
            previous = deps.tenants.get(config.tenant_id)
            rubric = previous.rubric if previous else None
    deps.tenants[config.tenant_id] = TenantQa(company=config.display_name or None, rubric=rubric)


def scored_event(
    t: Transcript, conv: Conversation, result: QaResult, rubric: Rubric, closed_by: str, cause_id: str
) -> QaScored:
    answers = [
        QaAnswer(
            question=q,
            answer=a.answer,  # type: ignore[arg-type]
            confidence=min(1.0, max(0.0, a.confidence)),
            evidence=[QaEvidence(turn=turn, span=span[:200]) for turn, span in a.spans[:20]]
            or [QaEvidence(turn=turn) for turn in a.evidence[:20]],
        )
        for q, a in result.answers.items()
    ]
    facts = conv.facts()
    return QaScored(
        event_id=derived_id(cause_id, "qa", rubric.version, closed_by),
        tenant_id=str(t["tenant_id"]),
        conversation_id=str(t["conversation_id"]),
        causation_id=cause_id,
        rubric_name=rubric.name,
        rubric_version=rubric.version,
        score=result.score,
        auto_failed=result.auto_failed,
        answers=answers,
        closed_by=closed_by,  # type: ignore[arg-type]
        turns=len(conv.turns),
        last_event_id=str(t["last_event_id"]),
        direction=conv.direction,  # type: ignore[arg-type]
        staff=facts["staff"],  # type: ignore[arg-type]
    )


def score_transcript(
    t: Transcript, deps: QaDeps, closed_by: str, cause_id: str, rubric: Rubric | None = None
) -> QaScored:
    rubric = rubric or deps.rubric_for(str(t["tenant_id"]))
    conv = to_conversation(t, deps.company_for(str(t["tenant_id"])))
    result = deps.score(conv, rubric)
    return scored_event(t, conv, result, rubric, closed_by, cause_id)


def handle(event: Envelope, deps: QaDeps) -> list[Envelope]:
    cid = event.conversation_id
    if not cid:
        return []
    if isinstance(event, QaScored):
        _on_scored(event, deps)
        return []
    t = deps.store.get(cid)
    if isinstance(event, ConversationState):
        if event.state != "closed":
            return []
        # Remember the close; the sweep scores the transcript once no event has come for the grace (a reply sent
        # before the close may still be on its way on another topic, and a close may even come first).
        t = t if t is not None else new_transcript(event)
        t["closed_by"] = event.event_id
        t["closed_seen"] = deps.clock()
        deps.store.put(cid, t)
        return []
    t = t if t is not None else new_transcript(event)
    if apply_event(t, event, deps.clock(), deps.max_items):
        t["scored_for"] = None
        deps.store.put(cid, t)
    return []


def _on_scored(event: QaScored, deps: QaDeps) -> None:
    cid = str(event.conversation_id)
    if event.closed_by == "rescore":
        return
    metrics.QA_SCORE.labels(event.rubric_version).observe(event.score if event.score is not None else 0.0)
    deps.emitted.pop(cid, None)
    t = deps.store.get(cid)
    if t is None or t["last_event_id"] != event.last_event_id:
        return  # the conversation went on after this score: it will be scored again
    if event.closed_by == "state":
        deps.store.delete(cid)
    else:
        t["scored_for"] = event.last_event_id
        deps.store.put(cid, t)


def close_idle(deps: QaDeps) -> Iterator[QaScored]:
    """Scores for every transcript idle for the timeout and not yet scored at its latest event."""
    now = deps.clock()
    forgotten: list[str] = []
    for cid, t in deps.store.items():
        close_id = t.get("closed_by") if t else None
        if close_id and not t["items"]:
            if now - float(t["closed_seen"]) >= deps.idle_timeout_s:
                forgotten.append(cid)  # a close whose conversation never showed up (or a repeated close)
            continue
        if not t or not t["items"] or t.get("scored_for") == t["last_event_id"]:
            continue
        if close_id:
            quiet = now - max(float(t["last_seen"]), float(t["closed_seen"])) >= deps.close_grace_s
            if quiet and deps.emitted.get(cid) != t["last_event_id"]:
                _remember_emitted(deps, cid, str(t["last_event_id"]))
                yield score_transcript(t, deps, "state", str(close_id))
            continue
        if now - float(t["last_seen"]) < deps.idle_timeout_s or deps.emitted.get(cid) == t["last_event_id"]:
            continue
        _remember_emitted(deps, cid, str(t["last_event_id"]))
        yield score_transcript(t, deps, "idle", str(t["last_event_id"]))
    for cid in forgotten:
        deps.store.delete(cid)


def _remember_emitted(deps: QaDeps, cid: str, last_event_id: str) -> None:
    """A score is on its way for this transcript state: don't emit it again before it comes back (bounded)."""
    deps.emitted[cid] = last_event_id
    while len(deps.emitted) > deps.emitted_limit:
        deps.emitted.popitem(last=False)
