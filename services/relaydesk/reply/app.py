"""Generation and compliance in one process (`relaydesk worker reply`, the local stack's default): a draft the
bot generates is checked by the compliance core in the same process and leaves as the reply, with its audit,
review and retraction, on the topics compliance writes. One hop fewer (replies.draft) on every bot reply.

Both workers' stages run on one app as they would apart (common/worker.py `cohosted`): drafts from elsewhere
(agents' words, after-hours notices, campaign openings) and streamed partials still reach compliance over their
topics. The chained check runs on the compliance stage's own core thread, so it never races that stage or a
tenant-config reload; the ids are the split layout's, since the compliance core derives them from the draft.
Where the check itself fails, the draft goes to replies.draft as it would apart (counted in
relaydesk_fallbacks_total{stage="compliance",kind="inline_check_failed"}) and the compliance stage checks it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import Future
from typing import Any

import faust

from relaydesk.common import metrics
from relaydesk.common.dlq import failure_reason
from relaydesk.common.settings import KafkaSettings
from relaydesk.common.topics import Topics
from relaydesk.common.worker import as_batch, cohosted, splice
from relaydesk.compliance import app as compliance_app
from relaydesk.compliance import core as compliance_core
from relaydesk.compliance.bootstrap import build_deps
from relaydesk.compliance.config import ComplianceSettings
from relaydesk.events import Envelope, ReplyDraft
from relaydesk.generation import app as generation_app

log = logging.getLogger(__name__)

Batch = Callable[[Sequence[Envelope]], Awaitable[list[list[Envelope]]]]


class DraftCheck:
    """The compliance core over the drafts a generation batch returned, spliced back in their place."""

    def __init__(self, deps: Any) -> None:
        self.routes: dict[type[Envelope], str] = {ReplyDraft: Topics.REPLIES_DRAFT, **compliance_app.ROUTES}
        self._check = as_batch(compliance_core.handle, deps)
        self.submit: Callable[..., Future[Any]] | None = None  # the compliance stage's core thread, once installed

    def wrap(self, handle: Batch) -> Batch:
        async def handle_batch(events: Sequence[Envelope]) -> list[list[Envelope]]:
            results = await handle(events)
            drafts = [out for outs in results for out in outs if isinstance(out, ReplyDraft)]
            if not drafts or self.submit is None:
                return results
            try:
                checked = iter(await asyncio.wrap_future(self.submit(self._check, drafts)))
            except Exception as exc:  # the draft still reaches compliance, over its topic
                metrics.FALLBACKS.labels("compliance", "inline_check_failed").inc()
                log.warning("inline compliance check failed for %d drafts: %s", len(drafts), failure_reason(exc))
                return results
            return splice(results, ReplyDraft, checked)

        return handle_batch


def build_app(kafka: KafkaSettings | None = None) -> faust.App:
    kafka = kafka or KafkaSettings()
    deps = build_deps(ComplianceSettings())
    check = DraftCheck(deps)
    with cohosted("reply", kafka) as host:
        compliance_app.build_app(kafka, deps=deps, chained=check)
        generation_app.build_app(kafka, check_drafts=check)
    return host.finish()
