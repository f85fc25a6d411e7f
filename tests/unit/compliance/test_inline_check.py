"""The reply worker's inline check (reply/app.py): the drafts a generation batch returns leave as the compliance
core's outputs, spliced in their place, with the ids compliance gives them over replies.draft; hand-offs and
other outputs pass as they are; a failing check sends the draft on to replies.draft and counts the fallback."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from prometheus_client import REGISTRY

from relaydesk.common.topics import Topics
from relaydesk.compliance import core
from relaydesk.compliance.config import ComplianceSettings
from relaydesk.compliance.core import default_policy
from relaydesk.compliance.pii import Redactor
from relaydesk.compliance.tenants import TenantPolicies
from relaydesk.events import ComplianceAudit, Envelope, Handoff, Reply, ReplyDraft
from relaydesk.reply.app import DraftCheck

from .helpers import draft, turn


def _deps(redactor: Redactor) -> core.ComplianceDeps:
    settings = ComplianceSettings()
    return core.ComplianceDeps(redactor=redactor, tenants=TenantPolicies(default_policy(settings)), settings=settings)


def _generation(outputs: list[list[Envelope]]) -> Any:
    async def handle(events: Sequence[Envelope]) -> list[list[Envelope]]:
        return outputs

    return handle


def _fallbacks() -> float:
    return REGISTRY.get_sample_value(
        "relaydesk_fallbacks_total", {"stage": "compliance", "kind": "inline_check_failed"}
    ) or 0.0


def test_when_generation_returns_drafts_then_they_leave_as_compliance_would_have_checked_them(
    redactor: Redactor,
) -> None:
    deps = _deps(redactor)
    first, second = draft("Refunds take 5 business days."), draft("Call me on +44 7700 900123.", reply_id="r-2")
    handoff = Handoff(**turn("a person please").caused("generation", "handoff"), turn_id="t-1",  # type: ignore[arg-type]
                      reason="customer_request", summary="asked for a person")  # fmt: skip
    check = DraftCheck(deps)
    with ThreadPoolExecutor(1) as thread:
        check.submit = thread.submit
        out = asyncio.run(check.wrap(_generation([[first], [handoff, second], []]))([turn("a"), turn("b"), turn("c")]))
    assert [[e.event_id for e in outs] for outs in out] == [
        [e.event_id for e in core.handle(first, deps)],
        [handoff.event_id, *(e.event_id for e in core.handle(second, deps))],
        [],
    ]
    reply = next(e for e in out[1] if isinstance(e, Reply))
    assert reply.text == next(e for e in core.handle(second, deps) if isinstance(e, Reply)).text
    assert "7700 900123" not in reply.text  # checked: a number the knowledge doesn't hold is masked
    assert {type(e) for e in out[0]} >= {Reply, ComplianceAudit}
    assert not any(isinstance(e, ReplyDraft) for outs in out for e in outs)
    assert check.routes[Reply] == Topics.REPLIES and check.routes[ReplyDraft] == Topics.REPLIES_DRAFT


def test_when_the_inline_check_fails_then_the_draft_goes_on_to_compliance_and_the_fallback_is_counted(
    redactor: Redactor,
) -> None:
    check = DraftCheck(_deps(redactor))

    def broken(fn: Any, *args: Any) -> Future[Any]:
        failed: Future[Any] = Future()
        failed.set_exception(RuntimeError("core thread gone"))
        return failed

    check.submit = broken
    before = _fallbacks()
    only = draft("Refunds take 5 business days.")
    out = asyncio.run(check.wrap(_generation([[only]]))([turn("a")]))
    assert out == [[only]]
    assert _fallbacks() == before + 1


def test_when_the_compliance_stage_is_not_installed_yet_then_drafts_pass_unchecked_to_their_topic(
    redactor: Redactor,
) -> None:
    check = DraftCheck(_deps(redactor))
    only = draft("Refunds take 5 business days.")
    assert asyncio.run(check.wrap(_generation([[only]]))([turn("a")])) == [[only]]
