"""Where a turn's time goes between stages, from the stage timings its reply carries.

Each stage appends `{stage, latency_ms, at}` (`at`: when it finished). The gap between one stage's finish
and the next one's start (`at - latency_ms`) is the hop: producing, the broker, the next consumer's fetch
wait, its batching window and decoding. The first hop starts at the turn's `received_at` (the gateway);
the last one, compliance to the client, is what the end-to-end latency leaves over (the reply topic, the
gateway's view of it, the long-poll answer and the POST before it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any


def _ts(value: str | datetime) -> float:
    if isinstance(value, datetime):
        return value.timestamp()
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def hop_gaps(reply: Mapping[str, Any], end_to_end_ms: float | None = None) -> dict[str, float]:
    """`{"gateway>guard": ms, "guard>intent": ms, ..., "compliance>client": ms}` for one reply."""
    stages: Sequence[Mapping[str, Any]] = reply.get("stages") or []
    if not stages or not reply.get("received_at") or any("at" not in s for s in stages):
        return {}  # a gateway that does not say when each stage finished
    received = _ts(reply["received_at"])
    gaps: dict[str, float] = {}
    previous_name, previous_end = "gateway", received
    for stage in stages:
        end = _ts(stage["at"])
        start = end - float(stage["latency_ms"]) / 1000.0
        gaps[f"{previous_name}>{stage['stage']}"] = round(max(0.0, start - previous_end) * 1000.0, 2)
        previous_name, previous_end = str(stage["stage"]), end
    if end_to_end_ms is not None:
        inside_ms = (previous_end - received) * 1000.0
        gaps[f"{previous_name}>client"] = round(max(0.0, end_to_end_ms - inside_ms), 2)
    return gaps
