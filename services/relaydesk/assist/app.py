"""Faust adapter of agent assist: turns.context (customer turns of held conversations) -> assist core ->
assist.suggestions, with who holds each conversation copied from conversation.state into a Faust table
(co-partitioned with the turns)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import faust

from relaydesk.assist import core
from relaydesk.assist.adapters.kafka_sink import KafkaSuggestionSink
from relaydesk.assist.bootstrap import build_deps
from relaydesk.assist.config import AssistSettings
from relaydesk.common.settings import KafkaSettings
from relaydesk.common.stage import Stage, install_stage
from relaydesk.common.tables import BufferedTable
from relaydesk.common.topics import Topics
from relaydesk.common.worker import build_worker, concurrent_by_conversation, route_by_type
from relaydesk.events import AssistSuggestions, ConversationState, Envelope, TurnAnnotated
from relaydesk.generation.holds import TableHolds


def build_app(kafka: KafkaSettings | None = None) -> faust.App:
    settings = AssistSettings()

    def stages(app: faust.App, kafka: KafkaSettings) -> list[Any]:
        table = BufferedTable(app.Table("assist-holds", default=dict, partitions=kafka.partitions, key_type=str))
        holds = TableHolds(table)
        deps = build_deps(holds, settings, sink=KafkaSuggestionSink(app, kafka))

        def apply_states(events: Sequence[Envelope]) -> list[list[Envelope]]:
            for state in events:
                assert isinstance(state, ConversationState)
                holds.apply(state.conversation_id, state.state, state.revision)
            return [[] for _ in events]

        def flush(record: Any, event: Envelope, outputs: Sequence[Envelope]) -> None:
            table.flush(record, event.conversation_id or "")

        turns = Stage(
            name="assist",
            input_topic=Topics.TURNS_CONTEXT,
            input_type=TurnAnnotated,
            handle_batch=concurrent_by_conversation(core.handle, deps),
            route=route_by_type({AssistSuggestions: Topics.ASSIST_SUGGESTIONS}),
            pipelined=True,
            max_in_flight=settings.max_in_flight,
            max_attempts=1,  # the core has its own deadline and keeps the quick suggestions on failure
        )
        states = Stage(
            name="assist-holds",
            input_topic=Topics.CONVERSATION_STATE,
            input_type=ConversationState,
            handle_batch=apply_states,
            route=route_by_type({}),
            run_in_thread=False,
            after_record=flush,
        )
        return [install_stage(app, turns, kafka), install_stage(app, states, kafka)]

    return build_worker("assist", stages, with_tables=True, kafka=kafka)
