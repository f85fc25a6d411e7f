"""Today's NLU path against a candidate encoder, in one run on the same turns: intent then emotion (which
reuses the intent stage's turn vector), micro-batched as the stream processors batch. Each side starts with an
empty embedding cache, and the turns are cut into rounds that both sides run in rotating order, so whatever
else runs on the machine weighs on both alike."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from typing import Any


def pipeline_turns_per_s(
    sides: dict[str, tuple[Any, Any]],
    events: Sequence[Any],
    batch: int,
    rounds: int,
    handle: Callable[[Any, Any, Sequence[Any]], Sequence[Any]],
    say: Callable[[str], None] = lambda _m: None,
) -> dict[str, dict[str, float]]:
    """`sides`: name -> (intent deps, emotion deps). `handle(stage, deps, chunk)` runs one stage's batch.
    Returns per side: turns/s (wall), CPU ms per turn, and the ratio to the first side."""
    from relaydesk.emotion import core as emotion_core
    from relaydesk.intent import core as intent_core

    totals = {name: [0.0, 0.0] for name in sides}
    names = list(sides)
    bounds = [round(len(events) * r / rounds) for r in range(rounds + 1)]
    for r in range(rounds):
        chunk = events[bounds[r] : bounds[r + 1]]
        for name in names[r % len(names) :] + names[: r % len(names)]:
            say(f"candidate comparison: round {r + 1}/{rounds}: {name}")
            intent_deps, emotion_deps = sides[name]
            cpu0, wall0 = sum(os.times()[:2]), time.perf_counter()
            for i in range(0, len(chunk), batch):
                annotated = handle(intent_core, intent_deps, chunk[i : i + batch])
                handle(emotion_core, emotion_deps, annotated)
            totals[name][0] += time.perf_counter() - wall0
            totals[name][1] += sum(os.times()[:2]) - cpu0
    base = len(events) / totals[names[0]][0]
    out: dict[str, dict[str, float]] = {}
    for name, (wall, cpu) in totals.items():
        rate = len(events) / wall
        out[name] = {
            "turns_per_s": round(rate, 1),
            "cpu_ms_per_turn": round(cpu * 1000.0 / len(events), 2),
            "speedup_vs_today": round(rate / base, 2),
        }
    return out
