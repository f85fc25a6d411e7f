"""Faust adapter of the emotion stage: turns.intent -> emotion core -> turns.emotion, with the per-conversation
sentiment trend in a Faust table (changelogged, so it survives restarts and moves with its partition)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import faust

from relaydesk.common.settings import KafkaSettings
from relaydesk.common.stage import Stage, install_stage
from relaydesk.common.tables import BufferedTable
from relaydesk.common.topics import Topics
from relaydesk.common.worker import build_worker, route_by_type
from relaydesk.emotion import core
from relaydesk.emotion.bootstrap import build_deps
from relaydesk.emotion.config import EmotionSettings
from relaydesk.emotion.escalation import TrendPoint
from relaydesk.events import Envelope, TurnAnnotated


class TableTrendStore:
    """The emotion core's TrendStore, backed by a Faust table keyed by conversation id."""

    def __init__(self, table: BufferedTable) -> None:
        self.table = table

    def get(self, conversation_id: str) -> list[TrendPoint]:
        return [(str(turn), float(score)) for turn, score in self.table.get(conversation_id, []) or []]

    def put(self, conversation_id: str, trend: list[TrendPoint]) -> None:
        self.table.set(conversation_id, [[turn, score] for turn, score in trend])


def build_app(kafka: KafkaSettings | None = None) -> faust.App:
    settings = EmotionSettings()

    def stages(app: faust.App, kafka: KafkaSettings) -> list[Any]:
        table = BufferedTable(
            app.Table("emotion-trend", default=list, partitions=kafka.partitions, key_type=str)
        )
        deps = build_deps(settings, trend_store=TableTrendStore(table))

        def after_record(record: Any, event: Envelope, outputs: Sequence[Envelope]) -> None:
            table.flush(record, event.conversation_id or "")

        stage = Stage(
            name="emotion",
            input_topic=Topics.TURNS_INTENT,
            input_type=TurnAnnotated,
            handle_batch=lambda events: core.handle_batch(cast(Sequence[TurnAnnotated], events), deps),
            route=route_by_type({TurnAnnotated: Topics.TURNS_EMOTION}),
            batch_size=settings.batch_size,
            batch_within_s=settings.batch_within_s,
            after_record=after_record,
        )
        return [install_stage(app, stage, kafka)]

    return build_worker("emotion", stages, with_tables=True, kafka=kafka)
