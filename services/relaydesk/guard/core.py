"""The inbound guard's pure core.

For each raw turn: mask PII in the text (offsets kept against the original), score it for prompt injection,
and emit the redacted, annotated turn for the rest of the pipeline, an inbound audit record, and, when the
tenant retains raw text, the original turn for the restricted archive. Nothing else leaves with raw text.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from relaydesk.compliance.injection import InjectionResult
from relaydesk.compliance.pii.port import PiiRedactor
from relaydesk.consent.from_turn import revocation_from_turn
from relaydesk.events import (
    Attack,
    ComplianceAudit,
    ConversationTurn,
    Entity,
    Envelope,
    Finding,
    GuardAnnotation,
    StageTiming,
    TenantConfig,
    TurnAnnotated,
    utcnow,
)
from relaydesk.events.conversation import MAX_TEXT_CHARS
from relaydesk.guard.tenants import RawRetentionPolicies

log = logging.getLogger(__name__)

STAGE = "guard"


class InjectionScorer(Protocol):
    def score(self, text: str) -> InjectionResult: ...

    def score_batch(self, texts: Sequence[str]) -> list[InjectionResult]: ...


@dataclass
class GuardDeps:
    redactor: PiiRedactor
    injection: InjectionScorer
    retention: RawRetentionPolicies
    policy_version: str
    clock: Callable[[], float] = time.perf_counter
    now: Callable[[], datetime] = field(default=utcnow)


def pseudonymise_ref(tenant_id: str, customer_ref: str) -> str:
    """A customer reference that is itself PII (an SMS sender's phone, an email) becomes a stable hash, so
    downstream can still group a customer's turns without holding the value."""
    digest = hashlib.sha256(f"{tenant_id}\x00{customer_ref}".encode()).hexdigest()[:32]
    return f"sha256:{digest}"


def _findings(entities: list[Entity], attack: InjectionResult) -> list[Finding]:
    findings = [
        Finding(rule_id=f"pii.{e.type.lower()}", category="pii", entity_type=e.type, start=e.start, end=e.end)
        for e in entities
    ]
    findings += [
        Finding(rule_id=f"injection.{reason.replace(':', '.')}", category="prompt_injection")
        for reason in attack.reasons
    ]
    return findings


def handle(turn: ConversationTurn, deps: GuardDeps) -> list[Envelope]:
    started = deps.clock()
    return _guard(turn, deps, deps.injection.score(turn.text), started)


def handle_batch(turns: Sequence[ConversationTurn], deps: GuardDeps) -> list[list[Envelope]]:
    """One output list per turn, in order. The classifier vectorises the batch in one call."""
    started = deps.clock()
    attacks = deps.injection.score_batch([t.text for t in turns])
    return [_guard(turn, deps, attack, started) for turn, attack in zip(turns, attacks, strict=True)]


def _guard(turn: ConversationTurn, deps: GuardDeps, attack: InjectionResult, started: float) -> list[Envelope]:
    redaction = deps.redactor.redact(turn.text, turn.lang)
    retention = deps.retention.get(turn.tenant_id)
    body = turn.body()
    updates: dict[str, object] = {"text": redaction.text[:MAX_TEXT_CHARS]}
    if body.customer_ref and deps.redactor.analyze(body.customer_ref):
        updates["customer_ref"] = pseudonymise_ref(turn.tenant_id, body.customer_ref)
    guard = GuardAnnotation(
        redacted=redaction.redacted,
        pii=redaction.entities,
        attack=Attack(detected=attack.attack, score=min(1.0, max(0.0, attack.score)), reasons=attack.reasons),
        raw_retained=retention.retain_raw,
    )
    latency_ms = max(0.0, (deps.clock() - started) * 1000.0)
    annotated = TurnAnnotated(
        **turn.caused(STAGE),  # type: ignore[arg-type]
        turn=body.model_copy(update=updates),
        received_at=turn.occurred_at,
        guard=guard,
        stages=[StageTiming(stage=STAGE, latency_ms=latency_ms, at=deps.now())],
    )
    audit = ComplianceAudit(
        **turn.caused(STAGE, "audit"),  # type: ignore[arg-type]
        turn_id=turn.turn_id,
        direction="inbound",
        verdict="redacted" if redaction.redacted else "pass",
        findings=_findings(redaction.entities, attack),
        policy_version=deps.policy_version,
        latency_ms=latency_ms,
    )
    out: list[Envelope] = [annotated, audit]
    # Outbound consent: a turn that revokes becomes a ledger revocation now, not in a nightly batch.
    revocation = revocation_from_turn(turn)
    if revocation is not None:
        out.append(revocation)
    if retention.retain_raw:
        out.append(turn)
    log.info(
        "guard decision",
        extra={
            "turn_id": turn.turn_id,
            "pii_types": sorted({e.type for e in redaction.entities}),
            "attack": attack.attack,
            "latency_ms": round(latency_ms, 2),
        },
    )
    return out


def apply_tenant_config(config: TenantConfig, deps: GuardDeps) -> None:
    if deps.retention.apply(config):
        log.info("guard retention updated", extra={"tenant_id": config.tenant_id, "revision": config.revision})
