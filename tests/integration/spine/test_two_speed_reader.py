"""The two-speed reader on a real broker: the fast reader pauses when quiet, every record reaches the callback
exactly once and in offset order whichever reader read it, and a wake-up or an unannounced record resumes the
fast reader."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from confluent_kafka import Message

from polling import wait_until
from relaydesk.common.kafka import produce_and_wait, sync_producer
from relaydesk.common.settings import KafkaSettings
from relaydesk.common.topics import Topics
from relaydesk.common.two_speed import TwoSpeedReader, view_reader


def _until(check: Callable[[], bool]) -> bool:
    return wait_until(check, 20.0)


def test_when_quiet_then_the_fast_reader_pauses_and_every_record_arrives_once_in_order(kafka: KafkaSettings) -> None:
    seen: list[tuple[int, int]] = []
    lock = threading.Lock()

    def on_record(msg: Message) -> None:
        with lock:
            seen.append((int(msg.partition() or 0), int(msg.offset() or 0)))

    reader = TwoSpeedReader(kafka, (Topics.REPLIES,), on_record, name="test-replies", idle_fetch_wait_ms=300,
                            quiet_s=1.0).start()
    producer = sync_producer(kafka)
    try:
        assert _until(lambda: reader.ready)
        for i in range(6):  # while both read: each offset handed on once
            produce_and_wait(producer, kafka.topic(Topics.REPLIES), b"{}", key=f"c{i}".encode())
        assert _until(lambda: len(seen) == 6)
        assert _until(lambda: reader.fast.pauses >= 1), "the fast reader never paused"

        wakes = reader.gate.wakes
        for i in range(6, 10):  # nobody announced these: the slow reader reads them and wakes the fast one
            produce_and_wait(producer, kafka.topic(Topics.REPLIES), b"{}", key=f"c{i}".encode())
        assert _until(lambda: len(seen) == 10)
        assert reader.gate.wakes > wakes

        assert _until(lambda: reader.fast.pauses >= 2)  # quiet again
        reader.wake()
        produce_and_wait(producer, kafka.topic(Topics.REPLIES), b"{}", key=b"c10")
        assert _until(lambda: len(seen) == 11)
        time.sleep(1.0)  # both readers have had time to read every record
        with lock:
            assert len(seen) == len(set(seen)) == 11
            for partition in {p for p, _ in seen}:
                offsets = [o for p, o in seen if p == partition]
                assert offsets == sorted(offsets)
        assert reader.records == 11
    finally:
        reader.stop()


def test_when_a_view_reader_catches_up_by_markers_then_it_has_every_earlier_record_once(kafka: KafkaSettings) -> None:
    producer = sync_producer(kafka)
    for i in range(5):  # written before the reader starts: it must have all of them once caught up
        produce_and_wait(producer, kafka.topic(Topics.QA_SCORED), b"{}", key=f"q{i}".encode())
    seen: list[tuple[int, int]] = []
    reader = view_reader(kafka, (Topics.QA_SCORED,), lambda m: seen.append((m.partition(), m.offset())),
                         name="test-view", fetch_wait_ms=100, marker=True)
    assert isinstance(reader, TwoSpeedReader) and reader.marked
    reader.start()
    try:
        assert reader.wait_caught_up(20.0)
        assert len(seen) >= 5
        time.sleep(1.0)  # the other reader's copies (and both readers' markers) are not handed on
        assert len(seen) == len(set(seen)) == 5
    finally:
        reader.stop()
