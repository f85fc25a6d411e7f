"""Drill traffic: turns sent through the gateway, each in a fresh conversation with its own marker (the turn
id), and everything each conversation receives collected by long-poll until the drill says stop.

A turn is answered when a final reply with its turn id arrives. Everything else is kept for the report: how
many replies arrived per turn, their reply ids (one reply id seen twice means a repeat reached the customer),
hand-offs, and the reply's mode (generated, cached, fallback, ...). Reply text is never kept.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from relaydesk.bench.questions import QUESTIONS
from relaydesk.cli.gateway_client import GatewayClient, GatewayError


@dataclass
class TurnRecord:
    index: int
    conversation_id: str
    turn_id: str
    sent_at: float | None = None
    send_error: str | None = None
    replies: list[dict[str, Any]] = field(default_factory=list)  # {reply_id, mode, handoff, verdict, at}
    handoffs: list[dict[str, Any]] = field(default_factory=list)  # {reason, reply_id, at}
    poll_errors: int = 0

    @property
    def answered(self) -> bool:
        return bool(self.replies)

    @property
    def first_reply_ms(self) -> float | None:
        if not self.replies or self.sent_at is None:
            return None
        return (self.replies[0]["at"] - self.sent_at) * 1000


@dataclass
class Traffic:
    """`turns` turns; `concurrency` of them being posted at once. Each turn's thread then long-polls its
    conversation until `stop` is set, so repeats that arrive after the first reply are seen too."""

    client: GatewayClient
    turns: int
    concurrency: int
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    poll_wait_s: float = 5.0
    records: list[TurnRecord] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _pool: ThreadPoolExecutor | None = None
    _post_slots: threading.Semaphore | None = None

    def __post_init__(self) -> None:
        self.records = [
            TurnRecord(i, f"drill-{self.run_id}-{i}", f"t-drill-{self.run_id}-{i}") for i in range(self.turns)
        ]

    # -- running ---------------------------------------------------------------------------------------------
    def start(self) -> Traffic:
        self._post_slots = threading.Semaphore(max(1, self.concurrency))
        self._pool = ThreadPoolExecutor(max_workers=self.turns, thread_name_prefix="drill-turn")
        for record in self.records:
            self._pool.submit(self._run_turn, record)
        return self

    def finish(self) -> None:
        self.stop.set()
        if self._pool is not None:
            self._pool.shutdown(wait=True)

    def _run_turn(self, record: TurnRecord) -> None:
        assert self._post_slots is not None
        with self._post_slots:
            self._post(record)
        if record.sent_at is None:
            return
        cursor: Any = "0"
        while not self.stop.is_set():
            try:
                got = self.client.get_json(
                    f"/v1/conversations/{record.conversation_id}/replies",
                    {"after": cursor, "wait": self.poll_wait_s},
                    timeout_s=self.poll_wait_s + 15,
                )
            except (GatewayError, OSError) as exc:
                record.poll_errors += 1
                self.stop.wait(_retry_after(exc))
                continue
            for item in got.get("items") or []:
                self._take(record, item)
            cursor = got.get("next", cursor)

    def _post(self, record: TurnRecord) -> None:
        text, lang = QUESTIONS[record.index % len(QUESTIONS)]
        body = {
            "conversation_id": record.conversation_id,
            "turn_id": record.turn_id,
            "text": f"{text} (drill ref {self.run_id}{record.index:03d})",
            "lang": lang,
            "channel": "webchat",
        }
        deadline = time.monotonic() + 60
        while not self.stop.is_set():
            try:
                self.client.post_json("/v1/messages", body, timeout_s=15)
                record.sent_at = time.monotonic()
                return
            except (GatewayError, OSError) as exc:  # the gateway may be the stage being killed
                if isinstance(exc, GatewayError) and exc.status not in (429, 502, 503, 504):
                    record.send_error = f"{exc.status}"
                    return
                if time.monotonic() > deadline:
                    record.send_error = type(exc).__name__
                    return
                self.stop.wait(_retry_after(exc))

    def _take(self, record: TurnRecord, item: dict[str, Any]) -> None:
        data = item.get("data") or {}
        now = time.monotonic()
        with self._lock:
            if item.get("kind") == "reply" and data.get("turn_id") == record.turn_id:
                reply = data.get("reply") or {}
                record.replies.append({
                    "reply_id": data.get("reply_id"),
                    "mode": reply.get("mode"),
                    "handoff": reply.get("handoff"),
                    "verdict": (data.get("compliance") or {}).get("verdict"),
                    "at": now,
                })
            elif item.get("kind") == "handoff":
                record.handoffs.append({"reason": data.get("reason"), "reply_id": data.get("reply_id"), "at": now})

    # -- reading ---------------------------------------------------------------------------------------------
    def counts(self) -> tuple[int, int]:
        """(sent, answered) so far."""
        with self._lock:
            sent = sum(r.sent_at is not None for r in self.records)
            answered = sum(r.answered for r in self.records)
        return sent, answered

    def in_flight(self) -> int:
        sent, answered = self.counts()
        return sent - answered

    def wait_until(self, check: Callable[[], bool], deadline_s: float, step_s: float = 0.05) -> bool:
        end = time.monotonic() + deadline_s
        while time.monotonic() < end:
            if check():
                return True
            time.sleep(step_s)
        return check()

    def all_answered(self) -> bool:
        sent, answered = self.counts()
        return answered == sent == self.turns or (answered == sent and self._all_posts_done())

    def _all_posts_done(self) -> bool:
        return all(r.sent_at is not None or r.send_error is not None for r in self.records)

    def summary(self) -> dict[str, Any]:
        with self._lock:
            records = list(self.records)
        sent = [r for r in records if r.sent_at is not None]
        answered = [r for r in sent if r.answered]
        twice = [r for r in sent if len(r.replies) > 1]
        reply_ids_seen_twice = sum(
            len(r.replies) - len({x["reply_id"] for x in r.replies}) for r in sent
        )
        handoff_repeats = sum(
            max(0, len(r.handoffs) - len({h["reply_id"] for h in r.handoffs})) for r in sent
        )
        modes: dict[str, int] = {}
        for r in answered:
            mode = str(r.replies[0]["mode"])
            key = mode + ("+handoff" if r.replies[0]["handoff"] and mode != "handoff" else "")
            modes[key] = modes.get(key, 0) + 1
        latencies = sorted(ms for r in answered if (ms := r.first_reply_ms) is not None)
        return {
            "run_id": self.run_id,
            "turns_planned": self.turns,
            "turns_sent": len(sent),
            "send_errors": sum(r.send_error is not None for r in records),
            "answered": len(answered),
            "lost": len(sent) - len(answered),
            "lost_turn_ids": [r.turn_id for r in sent if not r.answered][:20],
            "duplicated": len(twice),
            "duplicated_turn_ids": [r.turn_id for r in twice][:20],
            "reply_ids_seen_twice": reply_ids_seen_twice,
            "handoffs": sum(len(r.handoffs) for r in sent),
            "handoffs_repeated": handoff_repeats,
            "answer_modes": dict(sorted(modes.items())),
            "poll_errors": sum(r.poll_errors for r in records),
            "first_reply_ms": _percentiles(latencies),
        }


def _retry_after(exc: BaseException) -> float:
    if isinstance(exc, GatewayError) and exc.status == 429:
        return 1.0
    return 0.5


def _percentiles(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None

    def pick(q: float) -> float:
        return round(values[min(len(values) - 1, int(q * len(values)))], 1)

    return {"p50": pick(0.50), "p95": pick(0.95), "max": round(values[-1], 1)}
