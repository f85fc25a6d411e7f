"""The campaigns processor (the dialer): a pacing timer that turns started campaigns into `dial.allowed` /
`dial.blocked` decisions, and a stage over `dial.outcomes` that records each attempt on the consent ledger and
opens the conversation of a call the bot answered. It dials nothing until its views have read the ledger, the
campaigns and its own past decisions to the end."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Sequence
from typing import Any

import faust

from relaydesk.campaigns import core
from relaydesk.campaigns.adapters.feeds import DialerFeeds
from relaydesk.campaigns.bootstrap import build_deps
from relaydesk.campaigns.config import CampaignsSettings
from relaydesk.common import metrics, serde
from relaydesk.common.kafka import AsyncProducer
from relaydesk.common.settings import KafkaSettings
from relaydesk.common.stage import Stage, install_stage, key_for
from relaydesk.common.topics import Topics
from relaydesk.common.worker import build_worker
from relaydesk.consent.view import ConsentView
from relaydesk.events import Envelope, ReplyDraft
from relaydesk.events.consent import ConsentEvent
from relaydesk.events.outbound import DialAllowed, DialBlocked, DialOutcome

log = logging.getLogger(__name__)


def route(event: Envelope) -> str:
    if isinstance(event, ConsentEvent):
        return Topics.CONSENT_LEDGER
    if isinstance(event, ReplyDraft):
        return Topics.REPLIES_DRAFT  # the opening goes through compliance like every reply
    if isinstance(event, DialAllowed):
        return Topics.DIAL_ALLOWED
    if isinstance(event, DialBlocked):
        return Topics.DIAL_BLOCKED
    raise KeyError(f"no route for {type(event).__name__}")


def count_decision(event: Envelope) -> None:
    if isinstance(event, DialAllowed):
        metrics.DIAL_DECISIONS.labels("allowed", "").inc()
    elif isinstance(event, DialBlocked):
        metrics.DIAL_DECISIONS.labels("blocked", event.rule).inc()


def build_app(kafka: KafkaSettings | None = None, deps: core.DialerDeps | None = None) -> faust.App:
    settings = CampaignsSettings()
    kafka_settings = kafka or KafkaSettings()
    consent = ConsentView()
    deps = deps or build_deps(settings, consent)
    lock = threading.Lock()
    feeds = DialerFeeds(kafka_settings, deps, consent, lock)

    def handle_batch(events: Sequence[Envelope]) -> list[list[Envelope]]:
        feeds.wake()  # calls are being answered: the dials and commands that follow are read at the busy pace
        with lock:
            return [core.handle_outcome(e, deps) for e in events if isinstance(e, DialOutcome)]

    def stages(app: faust.App, kafka: KafkaSettings) -> list[Any]:
        stage = Stage(name="campaigns", input_topic=Topics.DIAL_OUTCOMES, input_type=DialOutcome,
                      handle_batch=handle_batch, route=route, batch_size=16)
        return [install_stage(app, stage, kafka)]

    app = build_worker("campaigns", stages, kafka=kafka_settings)
    producer: dict[str, AsyncProducer] = {}

    @app.task
    async def start_feeds() -> None:
        feeds.start()
        producer["p"] = AsyncProducer(kafka_settings)

    @app.timer(settings.tick_s)
    async def pace() -> None:
        if not feeds.caught_up or "p" not in producer:
            return  # never decide before the ledger (revocations!) and past decisions are read
        with lock:
            if not core.dialing(deps):
                return  # an idle dialer's tick costs no thread hop

        def tick() -> list[Envelope]:
            with lock:
                return core.plan(deps)

        decisions = await asyncio.get_running_loop().run_in_executor(None, tick)
        if decisions:
            feeds.wake()
        sends = []
        for event in decisions:
            sends.append(producer["p"].produce_nowait(route(event), serde.serialize(event), key_for(event)))
            count_decision(event)
        if sends:
            await asyncio.gather(*sends)
            log.info("dial decisions", extra={"count": len(decisions)})

    return app
