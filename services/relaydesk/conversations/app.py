"""Faust adapter of the conversations processor: handoffs, agent.commands and turns.context (customer turns of
held conversations) -> core -> conversation.state, conversation.summaries and replies.draft (agents' words and
after-hours notices, checked by compliance like the bot's).

All three inputs are keyed by conversation id and co-partitioned, and the three stages run on the event loop
one record at a time, so one conversation's record is never written by two handlers at once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import faust

from relaydesk.common.settings import KafkaSettings
from relaydesk.common.stage import Stage, install_stage
from relaydesk.common.tables import BufferedTable
from relaydesk.common.topics import Topics
from relaydesk.common.worker import as_batch, build_worker, route_by_type
from relaydesk.conversations import core
from relaydesk.conversations.adapters.table_store import TableStore
from relaydesk.conversations.bootstrap import build_deps
from relaydesk.conversations.config import ConversationsSettings
from relaydesk.events import (
    AgentCommand,
    ConversationState,
    ConversationSummary,
    Envelope,
    Handoff,
    ReplyDraft,
    TurnAnnotated,
)

ROUTES = route_by_type({
    ConversationState: Topics.CONVERSATION_STATE,
    ConversationSummary: Topics.CONVERSATION_SUMMARIES,
    ReplyDraft: Topics.REPLIES_DRAFT,
})
INPUTS: tuple[tuple[str, str, type[Envelope]], ...] = (
    ("conversations-handoffs", Topics.HANDOFFS, Handoff),
    ("conversations-commands", Topics.AGENT_COMMANDS, AgentCommand),
    ("conversations-turns", Topics.TURNS_CONTEXT, TurnAnnotated),
)


def build_app(kafka: KafkaSettings | None = None) -> faust.App:
    settings = ConversationsSettings()

    def stages(app: faust.App, kafka: KafkaSettings) -> list[Any]:
        table = BufferedTable(
            app.Table("conversations", default=dict, partitions=kafka.partitions, key_type=str)
        )
        deps = build_deps(settings, store=TableStore(table))

        def after_record(record: Any, event: Envelope, outputs: Sequence[Envelope]) -> None:
            table.flush(record, event.conversation_id or "")

        runners = []
        for name, topic, event_type in INPUTS:
            stage = Stage(
                name=name,
                input_topic=topic,
                input_type=event_type,
                handle_batch=as_batch(core.handle, deps),
                route=ROUTES,
                run_in_thread=False,  # cheap, and the three stages share the table: no two writers at once
                after_record=after_record,
            )
            runners.append(install_stage(app, stage, kafka))
        return runners

    return build_worker("conversations", stages, with_tables=True, kafka=kafka)
