"""Faust adapter of the simulated carrier: dial.allowed -> (ring) -> dial.outcomes. Pipelined, so many calls
ring at once; calls to one number stay in order."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import faust

from relaydesk.carrier import core
from relaydesk.carrier.bootstrap import build_deps
from relaydesk.carrier.config import CarrierSettings
from relaydesk.common.metrics import DEDUPED
from relaydesk.common.settings import KafkaSettings
from relaydesk.common.stage import Stage, install_stage
from relaydesk.common.topics import Topics
from relaydesk.common.worker import build_worker, route_by_type
from relaydesk.events import Envelope
from relaydesk.events.outbound import DialAllowed, DialOutcome


def build_app(kafka: KafkaSettings | None = None, deps: core.CarrierDeps | None = None) -> faust.App:
    settings = CarrierSettings()
    carrier = deps or build_deps(settings)

    async def handle_batch(events: Sequence[Envelope]) -> list[list[Envelope]]:
        out: list[list[Envelope]] = []
        for event in events:
            if isinstance(event, DialAllowed) and core.first_time(event, carrier):
                out.append(await core.handle(event, carrier))
            else:
                DEDUPED.labels("carrier", "dial").inc()
                out.append([])
        return out

    def stages(app: faust.App, kafka: KafkaSettings) -> list[Any]:
        stage = Stage(name="carrier", input_topic=Topics.DIAL_ALLOWED, input_type=DialAllowed,
                      handle_batch=handle_batch, route=route_by_type({DialOutcome: Topics.DIAL_OUTCOMES}),
                      pipelined=True, max_in_flight=settings.max_in_flight)
        return [install_stage(app, stage, kafka)]

    return build_worker("carrier", stages, kafka=kafka or KafkaSettings())
