"""Publishes a first set of suggestions at once (cards and an extractive draft), before the model's draft."""

from __future__ import annotations

import faust

from relaydesk.common import serde
from relaydesk.common.settings import KafkaSettings
from relaydesk.common.stage import key_for
from relaydesk.common.topics import Topics
from relaydesk.common.tracing import inject_headers
from relaydesk.events import AssistSuggestions


class KafkaSuggestionSink:
    def __init__(self, app: faust.App, kafka: KafkaSettings) -> None:
        self.app = app
        self.topic = kafka.topic(Topics.ASSIST_SUGGESTIONS)

    async def emit(self, suggestions: AssistSuggestions) -> None:
        fut = await self.app.producer.send(
            self.topic, key_for(suggestions), serde.serialize(suggestions), None, None, inject_headers()
        )
        await fut
