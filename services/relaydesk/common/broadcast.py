"""A consumer that reads every partition of some topics in each process that runs it (no consumer group).

For state every replica needs in full: the gateway's view of replies, tenant configuration, cache
invalidations. It reads from the beginning (see KafkaSettings.auto_offset_reset for why not `latest`), runs in a
daemon thread, and hands each record to a callback on that thread.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Sequence

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, Message, TopicPartition

from relaydesk.common.dlq import failure_reason
from relaydesk.common.kafka import consumer_config
from relaydesk.common.settings import KafkaSettings

log = logging.getLogger(__name__)

RecordCallback = Callable[[Message], None]


class BroadcastConsumer:
    def __init__(
        self,
        kafka: KafkaSettings,
        topics: Sequence[str],
        on_record: RecordCallback,
        name: str = "broadcast",
        fetch_wait_ms: int | None = None,
    ) -> None:
        self._kafka = kafka
        self._topics = [kafka.topic(t) for t in topics]
        self._on_record = on_record
        self._name = name
        # How long the broker may hold an empty fetch. Views that tolerate a little lag (tenant config, cache
        # invalidation) poll less often: each poll costs the broker CPU on a small machine.
        self._fetch_wait_ms = fetch_wait_ms if fetch_wait_ms is not None else kafka.fetch_wait_ms
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
        """True once the consumer has read up to the end offsets it saw at start (best effort)."""
        return self._caught_up.wait(timeout_s)

    @property
    def ready(self) -> bool:
        return self._assigned.is_set()

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
            pending = {tp for tp, high in ends.items() if high > 0}
            if not pending:
                self._caught_up.set()
            while not self._stop.is_set():
                msg = consumer.poll(0.2)
                if msg is None:
                    continue
                error = msg.error()
                if error is not None:
                    if error.code() != KafkaError._PARTITION_EOF:
                        log.warning("%s: consumer error %s", self._name, error.name())
                    continue
                tp = (str(msg.topic()), int(msg.partition() or 0))
                if tp in pending and int(msg.offset() or 0) + 1 >= ends[tp]:
                    pending.discard(tp)
                    if not pending:
                        self._caught_up.set()
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
