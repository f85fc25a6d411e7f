"""A broadcast view read at two speeds: fast while records are expected, nearly free when idle.

librdkafka cannot change `fetch.wait.max.ms` on a running consumer, and on Tansu a reader that fetches every
20 ms costs the broker about 0.04-0.06 of a core even when nothing comes (docs/benchmarks.md). So the view has
two consumers: a fast one (the short wait) that pauses its partitions once its `WakeGate` has been quiet for
`quiet_s`, and a slow one (a long wait) that always reads. The slow one wakes the fast one when it reads a
record, and whoever expects records soon (the gateway, as it sends a customer's turn on) wakes it directly, so
a reply caused by a turn arrives at the fast reader's pace; a record nobody announced waits at most one slow
fetch. Each record reaches the callback once, in offset order per partition: the first reader to read an
offset hands it on, the other's copy is dropped.

`view_reader` makes one for a broadcast view that is read at `fetch_wait_ms` while its owner is busy and at
`KafkaSettings.view_idle_fetch_wait_ms` once it is quiet; it is a plain consumer when idle waits are turned off.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

from confluent_kafka import Message

from relaydesk.common.broadcast import BroadcastConsumer, RecordCallback
from relaydesk.common.settings import KafkaSettings
from relaydesk.common.wake_gate import WakeGate


class TwoSpeedReader:
    def __init__(
        self,
        kafka: KafkaSettings,
        topics: Sequence[str],
        on_record: RecordCallback,
        name: str,
        idle_fetch_wait_ms: int,
        quiet_s: float,
        fetch_wait_ms: int | None = None,
        marker: bool = False,
    ) -> None:
        self._on_record = on_record
        self._lock = threading.Lock()
        self._next: dict[tuple[str, int], int] = {}
        self.dropped = 0  # copies the other reader had handed on already
        self.gate = WakeGate(quiet_s)
        # With markers each reader writes its own, and the view is caught up once either has read them back.
        self.fast = BroadcastConsumer(
            kafka, topics, self._from_fast, name=name, fetch_wait_ms=fetch_wait_ms, marker=marker, gate=self.gate
        )
        self.slow = BroadcastConsumer(
            kafka, topics, self._from_slow, name=f"{name}-idle", fetch_wait_ms=idle_fetch_wait_ms, marker=marker
        )

    def start(self) -> TwoSpeedReader:
        self.fast.start()
        self.slow.start()
        return self

    def stop(self) -> None:
        self.fast.stop()
        self.slow.stop()

    def wake(self) -> None:
        """Records are expected soon: the fast reader fetches again (if it was paused) from where it read."""
        self.gate.wake()

    @property
    def name(self) -> str:
        return self.fast.name

    @property
    def ready(self) -> bool:
        return self.fast.ready and self.slow.ready

    @property
    def marked(self) -> bool:
        return self.fast.marked

    def wait_caught_up(self, timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        while not self.caught_up and time.monotonic() < deadline:
            self.fast.wait_caught_up(0.05)
        return self.caught_up

    @property
    def caught_up(self) -> bool:
        return self.fast.caught_up or self.slow.caught_up

    @property
    def records(self) -> int:
        return self.fast.records + self.slow.records - self.dropped

    def _from_fast(self, msg: Message) -> None:
        self._deliver(msg)

    def _from_slow(self, msg: Message) -> None:
        if self._deliver(msg):
            self.gate.wake()  # traffic nobody announced: read what follows at the fast pace

    def _deliver(self, msg: Message) -> bool:
        where = (str(msg.topic()), int(msg.partition() or 0))
        offset = int(msg.offset() or 0)
        with self._lock:  # held while the callback runs, so each partition's records stay in order
            if offset < self._next.get(where, 0):
                self.dropped += 1
                return False
            self._next[where] = offset + 1
            self._on_record(msg)
            return True


def view_reader(
    kafka: KafkaSettings,
    topics: Sequence[str],
    on_record: RecordCallback,
    name: str,
    fetch_wait_ms: int | None,
    marker: bool = False,
    idle_fetch_wait_ms: int | None = None,
) -> BroadcastConsumer | TwoSpeedReader:
    """A broadcast view's reader: `fetch_wait_ms` (None: the broker settings' own) while its owner wakes it (or
    records come), `idle_fetch_wait_ms` (None: the idle view wait) once it has been quiet for `idle_after_s`; one
    plain consumer when idle waits are off or not longer."""
    busy_ms = fetch_wait_ms if fetch_wait_ms is not None else kafka.fetch_wait_ms
    idle_ms = idle_fetch_wait_ms if idle_fetch_wait_ms is not None else kafka.view_idle_fetch_wait_ms
    if kafka.idle_fetch_wait_ms <= kafka.fetch_wait_ms or idle_ms <= busy_ms:
        return BroadcastConsumer(kafka, topics, on_record, name=name, fetch_wait_ms=busy_ms, marker=marker)
    return TwoSpeedReader(
        kafka, topics, on_record, name=name, idle_fetch_wait_ms=idle_ms, quiet_s=kafka.idle_after_s,
        fetch_wait_ms=busy_ms, marker=marker,
    )
