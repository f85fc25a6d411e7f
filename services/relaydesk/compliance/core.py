"""The compliance stage's pure core: the last gate before a reply leaves.

For each draft: redact PII (except the company's own details that the sources publish, and text quoted from
the cited knowledge: an article title is not a customer's name), look for forbidden
claims, check that amounts, numbers, dates and policy claims come from the sources, and decide
pass | redacted | blocked. Every decision is audited; blocked replies (and a sampled share of the rest) go to
human review; a blocked reply becomes a safe fallback plus a hand-off; a streamed reply that did not pass
is retracted. Nothing here records a raw value: findings carry rule ids, types and offsets.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from relaydesk.compliance.claims import builtin_policy, check_claims, tenant_policy
from relaydesk.compliance.config import ComplianceSettings
from relaydesk.compliance.groundedness import SourceIndex, check_grounded
from relaydesk.compliance.lang import guess_lang
from relaydesk.compliance.pii import PiiSpan
from relaydesk.compliance.pii.port import PiiRedactor
from relaydesk.compliance.quoted import cited_texts, inside_quote, quoted_regions
from relaydesk.compliance.sources import SourceExemption, reply_sources, source_texts
from relaydesk.compliance.tenants import TenantCompliancePolicy, TenantPolicies
from relaydesk.events import (
    ComplianceAudit,
    ComplianceReview,
    ComplianceVerdict,
    Envelope,
    Finding,
    Handoff,
    Reply,
    ReplyDraft,
    ReplyPartial,
    StageTiming,
    TenantConfig,
    utcnow,
)
from relaydesk.events.ids import handoff_id, partial_id
from relaydesk.events.reply import Verdict

log = logging.getLogger(__name__)

STAGE = "compliance"
# A retraction comes after every token the client may have seen; generation numbers tokens from 0.
RETRACT_SEQ = 2**31 - 1
# Modes whose text makes no knowledge claim: a canned hand-off message or a person's words, and a reviewed
# script (an outbound call's opening). Every other check still applies to them.
_UNGROUNDED_MODES = frozenset({"handoff", "scripted"})


@dataclass
class ComplianceDeps:
    redactor: PiiRedactor
    tenants: TenantPolicies
    settings: ComplianceSettings = field(default_factory=ComplianceSettings)
    fallback: dict[str, str] = field(default_factory=lambda: dict(builtin_policy().fallback))
    clock: Callable[[], float] = time.perf_counter
    now: Callable[[], datetime] = utcnow


@dataclass(frozen=True)
class Assessment:
    verdict: Verdict
    findings: list[Finding]
    text: str  # what the customer sees
    redacted_draft: str  # the draft with PII masked, for reviewers
    lang: str


def pii_finding(span: PiiSpan) -> Finding:
    return Finding(
        rule_id=f"pii.{span.type.lower()}", category="pii", entity_type=span.type, start=span.start, end=span.end
    )


_NUMBER = re.compile(r"\d(?:[\d,.:/-]*\d)?")


def echoed_numbers(reply: str, turn_text: str | None) -> list[tuple[int, int]]:
    """Spans of numbers in the reply that the customer wrote in their own turn."""
    if not turn_text:
        return []
    given = {m.group() for m in _NUMBER.finditer(turn_text)}
    return [(m.start(), m.end()) for m in _NUMBER.finditer(reply) if m.group() in given]


def assess(draft: ReplyDraft, deps: ComplianceDeps, policy: TenantCompliancePolicy) -> Assessment:
    """The decision for one draft, without building events (the benchmark times exactly this)."""
    sources = source_texts(draft)
    lang = guess_lang(draft.text)
    exemption = SourceExemption(sources, deps.settings.source_exempt_types)
    spans = deps.redactor.analyze(draft.text, lang)
    # Text quoted from the cited passages or titles is the company's own words, not the customer's data.
    passages, titles = cited_texts(draft)
    quoted = quoted_regions(draft.text, passages, titles)
    # A script may say its recipient's own name back to them, and only that name.
    scripted_name = draft.addressee_name if draft.mode == "scripted" else None
    addressee = SourceExemption([scripted_name], ("PERSON",)) if scripted_name else None
    masked = [
        s for s in spans
        if not exemption(s, draft.text[s.start : s.end])
        and not (addressee is not None and addressee(s, draft.text[s.start : s.end]))
        and not (s.type in exemption.exempt_types and inside_quote(s.start, s.end, draft.text, quoted))
    ]
    findings = [pii_finding(s) for s in masked]
    joined = "\n".join(sources)
    blocking = check_claims(draft.text, policy.claims, joined)
    if deps.settings.groundedness and draft.mode not in _UNGROUNDED_MODES:
        # Exempted spans are the sources' own numbers: they are grounded by construction. So are numbers the
        # customer gave (an order or ticket number), when the reply repeats them.
        skip = [(s.start, s.end) for s in spans] + echoed_numbers(draft.text, draft.turn_text)
        blocking += check_grounded(
            draft.text,
            sources,
            skip=skip,
            min_claim_support=deps.settings.min_claim_support,
            index=SourceIndex.build(sources),
        )
    redacted_draft = deps.redactor.anonymize(draft.text, masked)
    if blocking:
        verdict: Verdict = "blocked"
        text = deps.fallback.get(lang) or deps.fallback["en"]
    elif masked:
        verdict, text = "redacted", redacted_draft
    else:
        verdict, text = "pass", draft.text
    return Assessment(verdict, sorted(findings + blocking, key=_order), text, redacted_draft, lang)


def _order(f: Finding) -> tuple[int, str]:
    return (f.start if f.start is not None else -1, f.rule_id)


def sampled_for_review(reply_id: str, share: float) -> bool:
    """Deterministic: a redelivered draft makes the same choice, and any process agrees on it."""
    if share <= 0.0:
        return False
    bucket = int.from_bytes(hashlib.sha256(reply_id.encode()).digest()[:8], "big") / 2**64
    return bucket < share


def _handoff_summary(draft: ReplyDraft, findings: list[Finding]) -> str:
    rules = sorted({f.rule_id for f in findings if f.category != "pii"})
    intent = f" Intent: {draft.intent.label}." if draft.intent else ""
    return f"Reply blocked by compliance ({', '.join(rules)}). A human should answer this turn.{intent}"[:2000]


def handle(draft: ReplyDraft, deps: ComplianceDeps) -> list[Envelope]:
    started = deps.clock()
    policy = deps.tenants.get(draft.tenant_id)
    result = assess(draft, deps, policy)
    blocked = result.verdict == "blocked"
    review = blocked or sampled_for_review(draft.reply_id, policy.review_share)
    latency_ms = max(0.0, (deps.clock() - started) * 1000.0)
    now = deps.now()
    verdict = ComplianceVerdict(verdict=result.verdict, findings=result.findings, review=review)
    out: list[Envelope] = []
    if draft.streamed and result.verdict != "pass":
        out.append(
            ReplyPartial(
                **draft.caused(STAGE, event_id=partial_id(draft.reply_id, RETRACT_SEQ)),  # type: ignore[arg-type]
                turn_id=draft.turn_id,
                reply_id=draft.reply_id,
                seq=RETRACT_SEQ,
                kind="retract",
                reason=f"compliance.{result.verdict}",
            )
        )
    out.append(
        Reply(
            **draft.caused(STAGE, "reply"),  # type: ignore[arg-type]
            turn_id=draft.turn_id,
            reply_id=draft.reply_id,
            text=result.text,
            mode="handoff" if blocked else draft.mode,
            handoff=blocked or draft.handoff,
            speaker=draft.speaker,
            compliance=verdict,
            sources=reply_sources(draft),
            intent=draft.intent,
            emotion=draft.emotion,
            guard=draft.guard,
            cache=draft.cache,
            generation=draft.generation,
            received_at=draft.received_at,
            stages=[*draft.stages, StageTiming(stage=STAGE, latency_ms=latency_ms, at=now)],
        )
    )
    out.append(
        ComplianceAudit(
            **draft.caused(STAGE, "audit"),  # type: ignore[arg-type]
            turn_id=draft.turn_id,
            reply_id=draft.reply_id,
            direction="outbound",
            verdict=result.verdict,
            findings=result.findings,
            review=review,
            policy_version=policy.claims.version,
            latency_ms=latency_ms,
        )
    )
    if review:
        out.append(
            ComplianceReview(
                **draft.caused(STAGE, "review"),  # type: ignore[arg-type]
                turn_id=draft.turn_id,
                reply_id=draft.reply_id,
                reason="blocked" if blocked else "sampled",
                verdict=result.verdict,
                redacted_text=result.redacted_draft,
                findings=result.findings,
            )
        )
    if blocked:
        out.append(
            Handoff(
                **draft.caused(STAGE, event_id=handoff_id(draft.reply_id)),  # type: ignore[arg-type]
                turn_id=draft.turn_id,
                reply_id=draft.reply_id,
                reason="blocked_reply",
                category="compliance_block",
                priority="high" if any(f.category == "forbidden_claim" for f in result.findings) else "normal",
                summary=_handoff_summary(draft, result.findings),
                intent=draft.intent.label if draft.intent else None,
                emotion=draft.emotion.label if draft.emotion else None,
            )
        )
    log.info(
        "compliance decision",
        extra={
            "reply_id": draft.reply_id,
            "verdict": result.verdict,
            "rules": sorted({f.rule_id for f in result.findings}),
            "latency_ms": round(latency_ms, 2),
        },
    )
    return out


def apply_tenant_config(config: TenantConfig, deps: ComplianceDeps) -> None:
    if deps.tenants.apply(config):
        log.info("compliance policy updated", extra={"tenant_id": config.tenant_id, "revision": config.revision})


def default_policy(settings: ComplianceSettings) -> TenantCompliancePolicy:
    return TenantCompliancePolicy(claims=tenant_policy([]), review_share=settings.review_share)
