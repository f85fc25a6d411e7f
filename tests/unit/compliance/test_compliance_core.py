"""The outbound core with the real redactor: verdicts, fallbacks, hand-offs, retractions, review, audit."""

from __future__ import annotations

import pytest

from relaydesk.compliance import core
from relaydesk.compliance.config import ComplianceSettings
from relaydesk.compliance.core import ComplianceDeps, default_policy, sampled_for_review
from relaydesk.compliance.pii import Redactor
from relaydesk.compliance.tenants import TenantPolicies
from relaydesk.events import ComplianceAudit, ComplianceReview, Handoff, Reply, ReplyPartial

from .helpers import draft, tenant_config

CARD = "4111 1111 1111 1111"
CUSTOMER_EMAIL = "jo.bloggs@example.com"


@pytest.fixture
def deps(redactor: Redactor) -> ComplianceDeps:
    settings = ComplianceSettings()
    return ComplianceDeps(redactor=redactor, tenants=TenantPolicies(default_policy(settings)), settings=settings)


def _by_type(events: list) -> dict[type, list]:
    out: dict[type, list] = {}
    for e in events:
        out.setdefault(type(e), []).append(e)
    return out


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        ("You can return it within 30 days for a full refund.", "pass"),  # grounded, no PII
        ("Call +1 800 555 0199 or email help@acme.example.", "pass"),  # the company's own details from the KB
        (f"I have noted card {CARD} for the refund within 30 days.", "redacted"),  # a card never passes
        (f"We will write to {CUSTOMER_EMAIL} within 30 days.", "redacted"),  # not in the sources
        ("You can return it within 90 days.", "blocked"),  # ungrounded number
        ("This plan has guaranteed returns.", "blocked"),  # forbidden claim
    ],
)
def test_when_draft_then_verdict(deps: ComplianceDeps, text: str, verdict: str) -> None:
    reply = _by_type(core.handle(draft(text), deps))[Reply][0]
    assert reply.compliance.verdict == verdict


def test_when_redacted_then_text_masked_and_findings_point_into_draft(deps: ComplianceDeps) -> None:
    text = f"Card {CARD} is on file; write to {CUSTOMER_EMAIL}."
    events = _by_type(core.handle(draft(text), deps))
    reply = events[Reply][0]
    assert reply.text == "Card <CREDIT_CARD> is on file; write to <EMAIL_ADDRESS>."
    spans = [(f.entity_type, text[f.start : f.end]) for f in reply.compliance.findings]
    assert spans == [("CREDIT_CARD", CARD), ("EMAIL_ADDRESS", CUSTOMER_EMAIL)]
    assert ReplyPartial not in events and Handoff not in events


def test_when_blocked_then_fallback_handoff_review_and_audit(deps: ComplianceDeps) -> None:
    events = _by_type(core.handle(draft(f"Guaranteed returns of 12%! Card {CARD}."), deps))
    reply, audit = events[Reply][0], events[ComplianceAudit][0]
    assert reply.compliance.verdict == "blocked" and reply.handoff and reply.mode == "handoff"
    assert "follow up" in reply.text
    assert events[Handoff][0].reason == "blocked_reply" and events[Handoff][0].priority == "high"
    review = events[ComplianceReview][0]
    assert review.reason == "blocked" and CARD not in review.redacted_text
    assert audit.direction == "outbound" and audit.verdict == "blocked" and audit.review
    assert {f.category for f in audit.findings} == {"forbidden_claim", "groundedness", "pii"}


@pytest.mark.parametrize(
    ("text", "lang_marker"),
    [
        ("该基金保证收益。", "抱歉"),
        ("元本保証です。", "申し訳"),
        ("Investasi ini dijamin untung.", "Mohon maaf"),
    ],
)
def test_when_blocked_then_fallback_in_reply_language(deps: ComplianceDeps, text: str, lang_marker: str) -> None:
    reply = _by_type(core.handle(draft(text), deps))[Reply][0]
    assert reply.text.startswith(lang_marker)


@pytest.mark.parametrize(
    ("text", "retracted"),
    [
        ("You can return it within 30 days for a full refund.", False),  # pass: nothing to withdraw
        (f"Card {CARD} noted.", True),  # redacted
        ("Guaranteed returns!", True),  # blocked
    ],
)
def test_when_streamed_and_not_pass_then_retracted(deps: ComplianceDeps, text: str, retracted: bool) -> None:
    events = core.handle(draft(text, streamed=True), deps)
    partials = [e for e in events if isinstance(e, ReplyPartial)]
    assert bool(partials) is retracted
    if partials:
        assert partials[0].kind == "retract" and partials[0].seq == core.RETRACT_SEQ
        assert events.index(partials[0]) < next(i for i, e in enumerate(events) if isinstance(e, Reply))


def test_when_sources_used_given_then_only_those_cited(deps: ComplianceDeps) -> None:
    reply = _by_type(core.handle(draft("Refunds take 5 business days.", sources_used=["returns"]), deps))[Reply][0]
    assert [(s.doc_id, s.kb_version, s.version) for s in reply.sources] == [("returns", 7, 3)]
    everything = _by_type(core.handle(draft("Refunds take 5 business days."), deps))[Reply][0]
    assert [s.doc_id for s in everything.sources] == ["returns", "shipping"]


def test_when_reply_passes_then_annotations_carried_and_stage_timed(deps: ComplianceDeps) -> None:
    d = draft("Shipping takes 3 days.")
    reply = _by_type(core.handle(d, deps))[Reply][0]
    assert reply.intent == d.intent and reply.received_at == d.received_at
    assert reply.stages[-1].stage == "compliance"
    assert reply.causation_id == d.event_id and reply.event_id != d.event_id


def test_when_review_share_set_by_tenant_then_sampling_is_deterministic(deps: ComplianceDeps) -> None:
    ids = [f"reply-{i}" for i in range(2000)]
    share = sum(sampled_for_review(i, 0.1) for i in ids) / len(ids)
    assert 0.07 < share < 0.13
    assert [sampled_for_review(i, 0.1) for i in ids[:50]] == [sampled_for_review(i, 0.1) for i in ids[:50]]
    core.apply_tenant_config(tenant_config(1, review_share=1.0), deps)
    events = _by_type(core.handle(draft("Shipping takes 3 days."), deps))
    assert events[ComplianceReview][0].reason == "sampled"


def test_when_older_config_revision_arrives_then_ignored(deps: ComplianceDeps) -> None:
    core.apply_tenant_config(tenant_config(5, forbidden_claims=["free upgrade"]), deps)
    core.apply_tenant_config(tenant_config(4, forbidden_claims=[]), deps)
    reply = _by_type(core.handle(draft("You get a free upgrade."), deps))[Reply][0]
    assert reply.compliance.verdict == "blocked"


def test_when_any_decision_then_no_raw_value_outside_the_reply(deps: ComplianceDeps) -> None:
    text = f"Guaranteed returns. Card {CARD}, email {CUSTOMER_EMAIL}."
    for event in core.handle(draft(text, streamed=True), deps):
        dumped = event.model_dump_json()
        assert CARD not in dumped and CARD.replace(" ", "") not in dumped
        assert CUSTOMER_EMAIL not in dumped


OPENING = ("Hello Maria Gonzalez, this is an automated assistant calling on behalf of Acme Energy. I'm calling about "
           "our 12-month solar plan. If you don't want us to contact you again, say stop and we will stop.")


def test_when_scripted_opening_then_checked_without_groundedness_and_only_the_addressee_name_kept(
    deps: ComplianceDeps,
) -> None:
    # an outbound call's reviewed opening: "12-month" is not in the knowledge, yet a script is not blocked for it
    reply = _by_type(core.handle(draft(OPENING, mode="scripted", retrieval=None,
                                       addressee_name="Maria Gonzalez"), deps))[Reply][0]
    assert reply.compliance.verdict == "pass" and reply.mode == "scripted" and "Maria Gonzalez" in reply.text
    # someone else's name in the same script is masked; a card is masked whatever the mode
    other = OPENING.replace("solar plan.", f"solar plan, as discussed with John Smith, card {CARD}.")
    reply = _by_type(core.handle(draft(other, mode="scripted", retrieval=None,
                                       addressee_name="Maria Gonzalez"), deps))[Reply][0]
    assert reply.compliance.verdict == "redacted"
    assert "Maria Gonzalez" in reply.text and "John Smith" not in reply.text and CARD not in reply.text
    # the addressee exemption is for scripts only: a generated reply naming the customer is masked
    reply = _by_type(core.handle(draft("Maria Gonzalez can return it within 30 days.",
                                       addressee_name="Maria Gonzalez"), deps))[Reply][0]
    assert "Maria Gonzalez" not in reply.text
    # and forbidden claims are blocked in a script too
    reply = _by_type(core.handle(draft(OPENING + " This plan has guaranteed returns.", mode="scripted",
                                       retrieval=None, addressee_name="Maria Gonzalez"), deps))[Reply][0]
    assert reply.compliance.verdict == "blocked"
