"""Faust's aiokafka driver with a configurable fetch wait.

Faust hard-codes `fetch_max_wait_ms=1500` for its consumer. A broker that answers an empty fetch by sleeping
for that long (Tansu does, NOTES.md) then adds up to 1.5 s per hop; with five hops on the reply path that is
the whole latency budget. This transport keeps everything else of the stock driver and sets the wait from
`KafkaSettings.fetch_wait_ms`. Registered under the URL scheme `relaykafka://`.
"""

from __future__ import annotations

from typing import Any

from faust.transport import drivers
from faust.transport.drivers import aiokafka as aiokafka_driver

FETCH_MAX_WAIT_MS = {"value": 20}


class _ConsumerThread(aiokafka_driver.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        # aiokafka reads this attribute when it builds its fetcher in start(), which comes after this.
        consumer._fetch_max_wait_ms = FETCH_MAX_WAIT_MS["value"]
        return consumer


class _Consumer(aiokafka_driver.Consumer):
    def _new_consumer_thread(self) -> aiokafka_driver.AIOKafkaConsumerThread:
        return _ConsumerThread(self, loop=self.loop, beacon=self.beacon)


class Transport(aiokafka_driver.Transport):
    Consumer = _Consumer


def register(fetch_max_wait_ms: int) -> str:
    """Register the scheme and set the wait; returns the scheme to use in broker URLs."""
    FETCH_MAX_WAIT_MS["value"] = int(fetch_max_wait_ms)
    drivers.TRANSPORTS.aliases["relaykafka"] = f"{__name__}:Transport"
    return "relaykafka"
