"""The dialer's views, fed by broadcast consumers (every record of the ledger, the campaigns and the dial
topics, from the beginning, so a restarted dialer rebuilds its state): a record that does not read is sent to its
topic's dead-letter topic when it has one, and logged by type otherwise."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from confluent_kafka import Message

from relaydesk.campaigns import core
from relaydesk.campaigns.core import DialerDeps
from relaydesk.common import serde
from relaydesk.common.broadcast import BroadcastConsumer
from relaydesk.common.dlq import dead_letter
from relaydesk.common.kafka import sync_producer
from relaydesk.common.settings import KafkaSettings
from relaydesk.common.topics import Topics
from relaydesk.common.two_speed import view_reader
from relaydesk.consent.view import ConsentView
from relaydesk.events.outbound import CampaignCommand, DialAllowed, DialBlocked, DialOutcome

log = logging.getLogger(__name__)


class DialerFeeds:
    def __init__(self, kafka: KafkaSettings, deps: DialerDeps, consent: ConsentView, lock: threading.Lock) -> None:
        self.kafka = kafka
        self.deps = deps
        self.consent = consent
        self.lock = lock
        self._dlq = sync_producer(kafka)
        # 250 ms fetch waits: Tansu answers a parked fetch within about 30-110 ms of a record, so a revocation is
        # read well before the next pacing tick acts on it. The ledger is always read at that pace; commands and
        # dials at the idle view wait once the dialer has been quiet (it wakes them as it dials: `wake`).
        self.consumers = [
            BroadcastConsumer(kafka, (Topics.CONSENT_LEDGER,), self._on_ledger, name="campaigns-ledger",
                              fetch_wait_ms=250, marker=True),
            view_reader(kafka, (Topics.CAMPAIGNS,), self._guarded(self._on_command), name="campaigns-commands",
                        fetch_wait_ms=250, marker=True),
            # No markers here: stages consume these topics (a marker would reach them as a record). Catching up by
            # end offsets may stop one batch short; a decision made again then has the same ids, and the carrier
            # drops a repeated dial.
            view_reader(kafka, (Topics.DIAL_ALLOWED, Topics.DIAL_BLOCKED, Topics.DIAL_OUTCOMES),
                        self._on_dial, name="campaigns-dials", fetch_wait_ms=250),
        ]

    def start(self) -> DialerFeeds:
        for consumer in self.consumers:
            consumer.start()
        return self

    def wake(self) -> None:
        """The dialer is dialing: read commands and dials at the busy pace for a while."""
        for consumer in self.consumers:
            consumer.wake()

    @property
    def caught_up(self) -> bool:
        return all(c.caught_up for c in self.consumers)

    def stop(self) -> None:
        for consumer in self.consumers:
            consumer.stop()
        self._dlq.flush(5)

    def _guarded(self, handler: Callable[[Message], None]) -> Callable[[Message], None]:
        def run(msg: Message) -> None:
            try:
                handler(msg)
            except (serde.EventError, ValueError) as exc:
                self._dead_letter(msg, exc)

        return run

    def _dead_letter(self, msg: Message, exc: BaseException) -> None:
        topic = str(msg.topic())
        record = dead_letter(service="campaigns", topic=topic, partition=int(msg.partition() or 0),
                             offset=int(msg.offset() or 0), key=msg.key(), value=msg.value(),
                             headers=msg.headers(), error=exc)
        logical = topic.split(".dlq")[0]
        self._dlq.produce(f"{logical}.dlq", value=serde.serialize(record), key=msg.key() or b"",
                          headers=msg.headers())
        self._dlq.poll(0)
        log.warning("dead-lettered %s@%s: %s", topic, msg.offset(), record.error_type)

    def _on_ledger(self, msg: Message) -> None:
        self.consent.apply_record(msg.key(), msg.value())

    def _on_command(self, msg: Message) -> None:
        command = serde.deserialize(msg.value() or b"", CampaignCommand)
        with self.lock:
            core.apply_command(command, self.deps)

    def _on_dial(self, msg: Message) -> None:
        if not msg.value():
            return
        event: Any = serde.deserialize(msg.value() or b"")
        if isinstance(event, DialAllowed | DialBlocked | DialOutcome):
            with self.lock:
                core.apply_dial_event(event, self.deps)
