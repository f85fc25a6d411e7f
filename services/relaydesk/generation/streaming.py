"""Token deltas to `ReplyPartial` events: a few tokens per event, a sequence number per reply, then `end`
(the draft is the streamed answer) or `retract` (it was replaced by a fallback).

A sink that fails or stalls stops the stream, not the reply: the draft still goes out, and the client
falls back to the final reply.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from relaydesk.events.ids import partial_id
from relaydesk.events.reply import ReplyPartial
from relaydesk.generation.fallback import record_fallback
from relaydesk.generation.ports import PartialSink

log = logging.getLogger(__name__)


class PartialStream:
    def __init__(
        self,
        sink: PartialSink | None,
        envelope: dict[str, Any],
        turn_id: str,
        reply_id: str,
        coalesce_tokens: int = 4,
        emit_timeout_s: float = 1.0,
    ) -> None:
        self._sink = sink
        self._envelope = envelope
        self._turn_id = turn_id
        self._reply_id = reply_id
        self._coalesce = max(1, coalesce_tokens)
        self._timeout = emit_timeout_s
        self._buffer: list[str] = []
        self._seq = 0
        self._broken = sink is None
        self.streamed = False  # at least one token partial went out

    async def push(self, delta: str) -> None:
        if self._broken:
            return
        self._buffer.append(delta)
        if len(self._buffer) >= self._coalesce:
            await self._flush()

    async def end(self) -> None:
        await self._flush()
        if self.streamed:
            await self._emit("end")

    async def retract(self, reason: str) -> None:
        self._buffer.clear()
        if self.streamed:
            await self._emit("retract", reason=reason)

    async def _flush(self) -> None:
        if self._buffer and not self._broken:
            delta, self._buffer = "".join(self._buffer), []
            if await self._emit("token", delta=delta):
                self.streamed = True

    async def _emit(self, kind: str, delta: str = "", reason: str | None = None) -> bool:
        if self._broken or self._sink is None:
            return False
        partial = ReplyPartial(
            **{**self._envelope, "event_id": partial_id(self._reply_id, self._seq)},
            turn_id=self._turn_id,
            reply_id=self._reply_id,
            seq=self._seq,
            kind=kind,  # type: ignore[arg-type]
            delta=delta,
            reason=reason,
        )
        try:
            await asyncio.wait_for(self._sink.emit(partial), self._timeout)
        except Exception as exc:  # the final draft still carries the answer
            self._broken = True
            record_fallback("stream_stopped")
            log.warning("partial stream stopped", extra={"reply_id": self._reply_id, "seq": self._seq,
                                                          "error_type": type(exc).__name__})
            return False
        self._seq += 1
        return True
