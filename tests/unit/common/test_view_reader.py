"""Which reader a broadcast view gets: two speeds while idle waits are on and longer than its busy wait."""

from __future__ import annotations

from relaydesk.common.broadcast import BroadcastConsumer
from relaydesk.common.settings import KafkaSettings
from relaydesk.common.topics import Topics
from relaydesk.common.two_speed import TwoSpeedReader, view_reader


def _reader(**kafka: object) -> BroadcastConsumer | TwoSpeedReader:
    return view_reader(KafkaSettings(**kafka), (Topics.QA_SCORED,), lambda _: None, name="v", fetch_wait_ms=250)


def test_when_idle_waits_are_on_then_the_view_reads_at_two_speeds() -> None:
    reader = _reader()
    assert isinstance(reader, TwoSpeedReader)
    assert reader.slow._fetch_wait_ms == KafkaSettings().view_idle_fetch_wait_ms > reader.fast._fetch_wait_ms == 250


def test_when_idle_waits_are_off_or_not_longer_then_one_plain_reader() -> None:
    assert isinstance(_reader(idle_fetch_wait_ms=0), BroadcastConsumer)
    assert isinstance(_reader(view_idle_fetch_wait_ms=250), BroadcastConsumer)


def test_when_a_plain_reader_is_woken_then_nothing_happens() -> None:
    reader = _reader(idle_fetch_wait_ms=0)
    reader.wake()  # an ungated reader always fetches: waking it is a no-op, not an error
    assert reader.pauses == 0
