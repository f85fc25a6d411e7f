"""Which dead letters a replay puts back, as a table; and the record it puts back is the original one."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from relaydesk.common.dlq import dead_letter
from relaydesk.common.serde import EventError
from relaydesk.events import DeadLetter
from relaydesk.ops.dlq_replay import REPLAY_HEADER, Letter, Window, decide, original_record, parse_instant

TOPIC = "p.relaydesk.turns.raw"
T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _letter(event_id: str, error_type: str = "TimeoutError", at: datetime = T0, topic: str = TOPIC) -> Letter:
    dl = DeadLetter(
        event_id=event_id, service="guard", source_topic=topic, source_partition=0, source_offset=1,
        value_b64="e30=", error_type=error_type, reason="r", occurred_at=at,
    )
    return Letter(dl, 0, 0)


@pytest.mark.parametrize(
    ("letter", "replayed", "window", "force", "action"),
    [
        (_letter("a" * 32), set(), Window(), False, "replay"),  # a transient failure: replay it
        (_letter("a" * 32), {"a" * 32}, Window(), False, "already_replayed"),  # marked on the broker: never twice
        (_letter("b" * 32, "not_json"), set(), Window(), False, "poison"),  # the bytes are bad: would fail again
        (_letter("b" * 32, "schema"), set(), Window(), False, "poison"),  # schema violation: poison too
        (_letter("b" * 32, "schema"), set(), Window(), True, "replay"),  # --force, after a fix in the consumer
        (_letter("c" * 32, at=T0), set(), Window(since=parse_instant("2026-12-01T12:00:01Z")), False,
         "outside_window"),  # before --since
        (_letter("c" * 32, at=T0), set(), Window(until=parse_instant("2026-12-01T12:00:00Z")), False,
         "outside_window"),  # --until is exclusive
        (_letter("c" * 32, at=T0), set(), Window(since=parse_instant("2026-12-01T11:00:00")), False,
         "replay"),  # a naive --since is UTC
        (_letter("d" * 32, topic="p.relaydesk.turns.guarded"), set(), Window(), False,
         "other_source"),  # not from the topic asked for
    ],
)
def test_when_a_dead_letter_is_considered_then_the_decision_follows_the_rules(
    letter: Letter, replayed: set[str], window: Window, force: bool, action: str
) -> None:
    assert decide([letter], replayed, TOPIC, window, force) == [(letter, action)]


def test_when_the_same_dead_letter_appears_twice_then_it_is_replayed_once() -> None:
    first, again = _letter("e" * 32), _letter("e" * 32)
    assert [a for _, a in decide([first, again], set(), TOPIC, Window())] == ["replay", "duplicate"]


def test_when_replayed_then_the_original_key_value_and_headers_come_back_with_a_replay_header() -> None:
    value = b'{"event_type":"conversation.turn"}'
    dl = dead_letter(
        service="guard", topic=TOPIC, partition=1, offset=7, key=b"conv-1", value=value,
        headers=[("traceparent", b"00-abc-def-01"), ("empty", None)], error=EventError("schema", "text: required"),
    )
    key, out_value, headers = original_record(dl)
    assert (key, out_value) == (b"conv-1", value)
    assert headers == [("traceparent", b"00-abc-def-01"), ("empty", None), (REPLAY_HEADER, dl.event_id.encode())]
    assert base64.b64decode(dl.value_b64) == value
