"""Faust adapter of the intent stage: turns.guarded -> intent core (micro-batched) -> turns.intent."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import faust

from relaydesk.common.settings import KafkaSettings
from relaydesk.common.stage import Stage, install_stage
from relaydesk.common.topics import Topics
from relaydesk.common.worker import build_worker, route_by_type
from relaydesk.events import TurnAnnotated
from relaydesk.intent import core
from relaydesk.intent.bootstrap import build_deps
from relaydesk.intent.config import IntentSettings


def build_app(kafka: KafkaSettings | None = None, deps: Any = None) -> faust.App:
    settings = IntentSettings()
    deps = deps or build_deps(settings)

    def stages(app: faust.App, kafka: KafkaSettings) -> list[Any]:
        stage = Stage(
            name="intent",
            input_topic=Topics.TURNS_GUARDED,
            input_type=TurnAnnotated,
            handle_batch=lambda events: core.handle_batch(cast(Sequence[TurnAnnotated], events), deps),
            route=route_by_type({TurnAnnotated: Topics.TURNS_INTENT}),
            batch_size=settings.batch_size,
            batch_within_s=settings.batch_within_s,
        )
        return [install_stage(app, stage, kafka)]

    return build_worker("intent", stages, apply_config=lambda cfg: core.apply_tenant_config(cfg, deps), kafka=kafka)
