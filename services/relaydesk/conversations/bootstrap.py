"""Wires the conversations core: the record store (default in memory; the worker passes its table) and clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from relaydesk.conversations.config import ConversationsSettings
from relaydesk.conversations.core import ConversationsDeps, ConversationStore, InMemoryStore


def build_deps(
    settings: ConversationsSettings | None = None,
    *,
    store: ConversationStore | None = None,
    now: Callable[[], datetime] | None = None,
) -> ConversationsDeps:
    return ConversationsDeps(
        store=store or InMemoryStore(),
        settings=settings or ConversationsSettings(),
        now=now or (lambda: datetime.now(UTC)),
    )
