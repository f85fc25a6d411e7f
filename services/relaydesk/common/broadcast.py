"""A consumer that reads every partition of some topics in each process that runs it (no consumer group).

For state every replica needs in full: the gateway's view of replies, tenant configuration, cache
invalidations. It reads from the beginning (see KafkaSettings.auto_offset_reset for why not `latest`), runs in a
daemon thread, and hands each record to a callback on that thread.

Catching up: a reader that must not act before it has read a topic to its end (workers must know every tenant's
config before they consume a turn) asks for `marker=True`. The consumer then writes a tombstone with a key of
its own to every partition it reads and is caught up once it has read all of them back: everything written
before the markers has then been read. The broker's end offsets are no help here (Tansu's ListOffsets(LATEST)
answers the start of the last batch + 1). Markers are never handed to the callback, another reader's neither.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Sequence

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, Message, Producer, TopicPartition

from relaydesk.common.dlq import failure_reason
from relaydesk.common.kafka import consumer_config, producer_config
from relaydesk.common.settings import KafkaSettings
from relaydesk.common.wake_gate import WakeGate

log = logging.getLogger(__name__)

RecordCallback = Callable[[Message], None]
MARKER_PREFIX = b"relaydesk.catch-up-marker:"


def is_marker(msg: Message) -> bool:
    return bytes(msg.key() or b"").startswith(MARKER_PREFIX)


class BroadcastConsumer:
    def __init__(
        self,
        kafka: KafkaSettings,
        topics: Sequence[str],
        on_record: RecordCallback,
        name: str = "broadcast",
        fetch_wait_ms: int | None = None,
        marker: bool = False,
        gate: WakeGate | None = None,
    ) -> None:
        self._kafka = kafka
        self._topics = [kafka.topic(t) for t in topics]
        self._on_record = on_record
        self._name = name
        # How long the broker may hold an empty fetch. Views that tolerate a little lag (tenant config, cache
        # invalidation) poll less often: each poll costs the broker CPU on a small machine.
        self._fetch_wait_ms = fetch_wait_ms if fetch_wait_ms is not None else kafka.fetch_wait_ms
        self._marker = MARKER_PREFIX + uuid.uuid4().hex.encode() if marker else None
        # With a gate, the consumer pauses its partitions (no fetches at all) once the gate is quiet, and resumes
        # when it is woken (common/two_speed.py).
        self._gate = gate
        self._assignment: list[TopicPartition] = []
        self.pauses = 0
        self._stop = threading.Event()
        self._assigned = threading.Event()
        self._caught_up = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"{name}-consumer", daemon=True)
        self.records = 0
        self.errors = 0

    def start(self) -> BroadcastConsumer:
        self._thread.start()
        return self

    def wait_caught_up(self, timeout_s: float) -> bool:
        """True once the consumer has read up to the end: exactly (its markers came back) with `marker=True`,
        else up to the end offsets it saw at start (best effort)."""
        return self._caught_up.wait(timeout_s)

    @property
    def name(self) -> str:
        return self._name

    def wake(self) -> None:
        """Records are expected soon: a gated consumer resumes fetching (an ungated one always fetches)."""
        if self._gate is not None:
            self._gate.wake()

    @property
    def ready(self) -> bool:
        return self._assigned.is_set()

    @property
    def marked(self) -> bool:
        """Whether this reader catches up by markers (and so knows exactly when it has)."""
        return self._marker is not None

    @property
    def caught_up(self) -> bool:
        return self._caught_up.is_set()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _assign_all(self, consumer: Consumer) -> dict[tuple[str, int], int]:
        ends: dict[tuple[str, int], int] = {}
        assignment: list[TopicPartition] = []
        while not self._stop.is_set():
            md = consumer.list_topics(timeout=5)
            missing = [t for t in self._topics if t not in md.topics or md.topics[t].error is not None]
            if not missing:
                break
            log.warning("%s: waiting for topics %s", self._name, missing)
            time.sleep(1)
        for topic in self._topics:
            for partition in md.topics[topic].partitions:
                assignment.append(TopicPartition(topic, partition, OFFSET_BEGINNING))
                try:
                    _, high = consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=5)
                    ends[(topic, partition)] = high
                except Exception:  # a watermark is only a hint for `caught_up`
                    ends[(topic, partition)] = 0
        consumer.assign(assignment)
        self._assignment = assignment
        self._assigned.set()
        return ends

    def _run(self) -> None:
        # group.id is required by librdkafka even without subscribe(); nothing is ever committed to it.
        conf = consumer_config(
            self._kafka, f"relaydesk-{self._name}-{uuid.uuid4().hex[:8]}", **{"fetch.wait.max.ms": self._fetch_wait_ms}
        )
        consumer = Consumer(conf)
        try:
            ends = self._assign_all(consumer)
            markers = self._write_markers(set(ends)) if self._marker else None
            pending = markers if markers is not None else {tp for tp, high in ends.items() if high > 0}
            if not pending:
                self._caught_up.set()
            paused = False
            while not self._stop.is_set():
                if self._gate is not None:
                    paused = self._pause_or_resume(consumer, paused)
                    if paused:
                        continue
                msg = consumer.poll(0.2)
                if msg is None:
                    continue
                if self._gate is not None:
                    self._gate.touch()
                error = msg.error()
                if error is not None:
                    if error.code() != KafkaError._PARTITION_EOF:
                        log.warning("%s: consumer error %s", self._name, error.name())
                    continue
                tp = (str(msg.topic()), int(msg.partition() or 0))
                if markers is not None:
                    if tp in pending and msg.key() == self._marker:
                        pending.discard(tp)
                        if not pending:
                            self._caught_up.set()
                elif tp in pending and int(msg.offset() or 0) + 1 >= ends[tp]:
                    pending.discard(tp)
                    if not pending:
                        self._caught_up.set()
                if is_marker(msg):
                    continue
                self.records += 1
                try:
                    self._on_record(msg)
                except Exception as exc:  # one bad record must not stop the view; its type is logged, no values
                    self.errors += 1
                    log.warning(
                        "%s: callback failed for %s[%d]@%d: %s", self._name, *tp, msg.offset(), failure_reason(exc)
                    )
        finally:
            consumer.close()

    def _pause_or_resume(self, consumer: Consumer, paused: bool) -> bool:
        """Whether the consumer is paused now: it pauses once the gate is quiet, waits for a wake-up while
        paused, and resumes from where the application read (librdkafka refetches what a pause dropped)."""
        assert self._gate is not None
        if not paused:
            if not self._gate.quiet():
                return False
            consumer.pause(self._assignment)
            self.pauses += 1
        if not self._gate.wait(0.5):
            return True
        consumer.resume(self._assignment)
        return False

    def _write_markers(self, partitions: set[tuple[str, int]]) -> set[tuple[str, int]] | None:
        """A tombstone with this reader's key on every partition; None (fall back to end offsets) if the
        broker refuses them."""
        producer = Producer(producer_config(self._kafka, **{"linger.ms": 0}))
        failed: list[str] = []

        def on_delivery(err: KafkaError | None, _: Message) -> None:
            if err is not None:
                failed.append(err.name())

        try:
            for topic, partition in sorted(partitions):
                producer.produce(topic, value=None, key=self._marker, partition=partition, on_delivery=on_delivery)
            left = producer.flush(10)
        except KafkaException as exc:
            failed.append(type(exc).__name__)
            left = 0
        if failed or left:
            log.warning("%s: catch-up markers not written (%s); using end offsets", self._name, failed or left)
            return None
        return set(partitions)
