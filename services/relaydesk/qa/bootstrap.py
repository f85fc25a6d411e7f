"""Wires the QA scorer: the rubric, the checks' context (PII recognisers, groundedness), and for the stream
processor the Faust-table-backed transcript store."""

from __future__ import annotations

from collections.abc import Callable

from relaydesk.qa.checks import CheckContext
from relaydesk.qa.config import QaSettings
from relaydesk.qa.conversation import Conversation
from relaydesk.qa.core import InMemoryTranscriptStore, QaDeps, TranscriptStore
from relaydesk.qa.rubric import Rubric
from relaydesk.qa.scorer import QaResult, default_context, score_conversation


def build_scorer(rubric: Rubric, ctx: CheckContext | None = None) -> Callable[[Conversation], QaResult]:
    context = ctx or default_context()

    def score(conv: Conversation) -> QaResult:
        return score_conversation(conv, rubric, context)

    return score


def build_deps(settings: QaSettings | None = None, store: TranscriptStore | None = None) -> QaDeps:
    settings = settings or QaSettings()
    context = default_context()
    # Load the recognisers (Presidio's imports take seconds) now, not on the first close.
    context.pii_spans("4111 1111 1111 1111")
    context.claims("Refunds take 5 days.", ["Refunds take 5 days."])
    return QaDeps(
        store=store if store is not None else InMemoryTranscriptStore(),
        score=lambda conv, rubric: score_conversation(conv, rubric, context),
        idle_timeout_s=settings.idle_timeout_s,
        close_grace_s=settings.close_grace_s,
        max_items=settings.max_items,
    )
