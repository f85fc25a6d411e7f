"""Reply cursors that mean the same thing on every gateway replica and across restarts.

Every item a client sees comes from one record of one of the gateway's input topics (replies, partial replies,
hand-offs), so its position is the broker's `(topic, partition, offset)`. Those topics have no order between
them, and each replica reads them at its own pace, so a single number cannot order items across topics. A cursor
is therefore a small vector: per (stream, partition), the highest offset the client has been given. An item is
new to a client exactly when its offset is above the cursor's entry for its stream and partition, which every
replica (and a restarted gateway, which re-reads the topics from the start) decides alike.

The text form is opaque to clients (`r0.12_p1.40`); `0` or empty means "from the start".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

# One letter per input stream; the gateway's context maps its topics onto these.
STREAM_REPLIES = "r"
STREAM_PARTIALS = "p"
STREAM_HANDOFFS = "h"
MAX_ENTRIES = 32  # streams x partitions; more than any deployment has, so a forged cursor stays small

_ENTRY = r"[a-z][0-9]{1,5}\.[0-9]{1,19}"
CURSOR_PATTERN = rf"^(0|{_ENTRY}(_{_ENTRY}){{0,{MAX_ENTRIES - 1}}})?$"
CURSOR_MAX_LENGTH = MAX_ENTRIES * 27
_ENTRY_RE = re.compile(r"([a-z])([0-9]{1,5})\.([0-9]{1,19})")
_CURSOR_RE = re.compile(CURSOR_PATTERN)


@dataclass(frozen=True, order=True)
class Position:
    """Where an item's record sits on the broker."""

    stream: str
    partition: int
    offset: int


@dataclass(frozen=True)
class Cursor:
    offsets: Mapping[tuple[str, int], int] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str | None) -> Cursor:
        """The cursor a client sent back; raises ValueError on anything that is not one."""
        text = text or ""
        if not is_cursor(text):
            raise ValueError("not a reply cursor")
        if text in ("", "0"):
            return cls()
        offsets: dict[tuple[str, int], int] = {}
        for stream, partition, offset in _ENTRY_RE.findall(text):
            key = (stream, int(partition))
            offsets[key] = max(offsets.get(key, -1), int(offset))
        return cls(offsets)

    def encode(self) -> str:
        if not self.offsets:
            return "0"
        return "_".join(f"{s}{p}.{o}" for (s, p), o in sorted(self.offsets.items()))

    def covers(self, position: Position) -> bool:
        """Whether the client already has the item at `position`."""
        return position.offset <= self.offsets.get((position.stream, position.partition), -1)

    def advanced(self, positions: Iterable[Position]) -> Cursor:
        offsets = dict(self.offsets)
        for pos in positions:
            key = (pos.stream, pos.partition)
            if pos.offset > offsets.get(key, -1):
                offsets[key] = pos.offset
        return Cursor(offsets)

    def __str__(self) -> str:
        return self.encode()


def is_cursor(text: str) -> bool:
    return len(text) <= CURSOR_MAX_LENGTH and _CURSOR_RE.fullmatch(text) is not None

