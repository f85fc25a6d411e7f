"""Faust's aiokafka driver with a configurable, adaptive fetch wait.

Faust hard-codes `fetch_max_wait_ms=1500` for its consumer. A broker that answers an empty fetch by sleeping
for that long (Tansu does, NOTES.md) then adds up to 1.5 s per hop; with five hops on the reply path that is
the whole latency budget. This transport keeps everything else of the stock driver and sets the wait from
`KafkaSettings.fetch_wait_ms`, raised to `idle_fetch_wait_ms` once no record came for `idle_after_s`
(common/fetch_wait.py). Registered under the URL scheme `relaykafka://`.
"""

from __future__ import annotations

from typing import Any

from aiokafka.consumer.fetcher import Fetcher
from faust.transport import drivers
from faust.transport.drivers import aiokafka as aiokafka_driver

from relaydesk.common.fetch_wait import AdaptiveWait

FETCH_MAX_WAIT_MS = {"value": 20, "idle": 0}
IDLE_AFTER_S = {"value": 10.0}


class AdaptiveFetcher(Fetcher):
    """aiokafka's fetcher, asking the broker for the wait its `AdaptiveWait` gives at each fetch request."""

    _relaydesk_wait: AdaptiveWait | None = None

    @property
    def _fetch_max_wait_ms(self) -> int:
        wait = self._relaydesk_wait
        return wait.current_ms() if wait is not None else int(self.__dict__["_fetch_max_wait_ms"])

    @_fetch_max_wait_ms.setter
    def _fetch_max_wait_ms(self, value: int) -> None:
        self.__dict__["_fetch_max_wait_ms"] = value

    async def _proc_fetch_request(self, assignment: Any, node_id: Any, request: Any) -> bool:
        got_records = bool(await super()._proc_fetch_request(assignment, node_id, request))
        if got_records and self._relaydesk_wait is not None:
            self._relaydesk_wait.saw_records()
        return got_records


def make_adaptive(consumer: Any, wait: AdaptiveWait) -> AdaptiveWait:
    """Turn a started aiokafka consumer's fetcher into an `AdaptiveFetcher` (its fetch loop reads the wait
    anew for every request, so this takes effect on the next fetch)."""
    fetcher = consumer._fetcher
    fetcher.__class__ = AdaptiveFetcher
    fetcher._relaydesk_wait = wait
    return wait


class _ConsumerThread(aiokafka_driver.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        # aiokafka reads this attribute when it builds its fetcher in start(), which comes after this.
        consumer._fetch_max_wait_ms = FETCH_MAX_WAIT_MS["value"]
        return consumer

    async def on_start(self) -> None:
        await super().on_start()
        short, idle = FETCH_MAX_WAIT_MS["value"], FETCH_MAX_WAIT_MS["idle"]
        if idle > short and self._consumer is not None and getattr(self._consumer, "_fetcher", None) is not None:
            make_adaptive(self._consumer, AdaptiveWait(short, idle, IDLE_AFTER_S["value"]))


class _Consumer(aiokafka_driver.Consumer):
    def _new_consumer_thread(self) -> aiokafka_driver.AIOKafkaConsumerThread:
        return _ConsumerThread(self, loop=self.loop, beacon=self.beacon)


class Transport(aiokafka_driver.Transport):
    Consumer = _Consumer


def register(fetch_max_wait_ms: int, idle_fetch_wait_ms: int = 0, idle_after_s: float = 10.0) -> str:
    """Register the scheme and set the waits; returns the scheme to use in broker URLs."""
    FETCH_MAX_WAIT_MS["value"] = int(fetch_max_wait_ms)
    FETCH_MAX_WAIT_MS["idle"] = int(idle_fetch_wait_ms)
    IDLE_AFTER_S["value"] = float(idle_after_s)
    drivers.TRANSPORTS.aliases["relaykafka"] = f"{__name__}:Transport"
    return "relaykafka"
