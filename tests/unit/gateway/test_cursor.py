"""Reply cursors: opaque text, round trips, per-stream coverage, and nothing else accepted."""

from __future__ import annotations

import re

import pytest

from relaydesk.gateway.cursor import CURSOR_MAX_LENGTH, CURSOR_PATTERN, Cursor, Position


@pytest.mark.parametrize("text", [
    "0",  # from the start
    "",  # from the start
    "r0.12",  # one stream
    "h0.3_p1.40_r0.12",  # several streams, canonical order
])
def test_when_cursor_round_trips_then_same_text(text: str) -> None:
    assert Cursor.parse(text).encode() == (text or "0")


@pytest.mark.parametrize("text", [
    "%",  # what schemathesis sent
    "-1",  # the old integer form with a sign
    "12",  # the old per-process integer: meaningless on another replica
    "r0.12_",  # trailing separator
    "R0.1",  # upper case stream
    "r0.1\n",  # a newline smuggled into a header
    "_".join(f"r{n}.1" for n in range(40)),  # more entries than any deployment has
])
def test_when_text_is_not_a_cursor_then_rejected(text: str) -> None:
    with pytest.raises(ValueError):
        Cursor.parse(text)
    assert not re.fullmatch(CURSOR_PATTERN, text) or len(text) > CURSOR_MAX_LENGTH


def test_when_advanced_then_covers_up_to_the_highest_offset_per_stream_and_partition() -> None:
    cursor = Cursor().advanced([Position("r", 0, 5), Position("p", 1, 9), Position("r", 0, 3)])
    assert cursor.encode() == "p1.9_r0.5"
    assert cursor.covers(Position("r", 0, 5)) and not cursor.covers(Position("r", 0, 6))
    assert not cursor.covers(Position("r", 1, 0))  # another partition starts uncovered
    assert not cursor.covers(Position("h", 0, 0))
