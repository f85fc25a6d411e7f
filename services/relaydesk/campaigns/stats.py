"""A campaign's figures folded from its dial events (`dial.allowed`, `dial.blocked`, `dial.outcome`): attempts,
blocks by rule, connects, abandons, the abandonment rate over the 30-day window and agent utilisation.

The same fold feeds the dialer's pacing and the gateway's `GET /v1/campaigns/{id}`; it dedupes by event id, so a
redelivered event counts once. Per-number progress (how many attempts, the last outcome) drives retries.
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from relaydesk.events.outbound import DialAllowed, DialBlocked, DialOutcome

ABANDON_WINDOW = timedelta(days=30)
RECENT_KEPT = 50
SEEN_KEPT = 20_000


@dataclass
class NumberProgress:
    attempts: int = 0  # decisions made (allowed or blocked)
    dialled: int = 0
    last_at: datetime | None = None
    last_outcome: str | None = None
    last_rule: str | None = None
    in_flight: bool = False


@dataclass
class CampaignStats:
    campaign_id: str
    allowed: int = 0
    blocked: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    talk_s_agents: float = 0.0
    first_at: datetime | None = None
    last_at: datetime | None = None
    numbers: dict[str, NumberProgress] = field(default_factory=dict)
    live: deque[tuple[datetime, bool]] = field(default_factory=deque)  # (at, abandoned) within the window
    recent: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=RECENT_KEPT))
    _seen: set[str] = field(default_factory=set)
    _seen_order: deque[str] = field(default_factory=deque)

    def _fresh(self, event_id: str) -> bool:
        if event_id in self._seen:
            return False
        self._seen.add(event_id)
        self._seen_order.append(event_id)
        if len(self._seen_order) > SEEN_KEPT:
            self._seen.discard(self._seen_order.popleft())
        return True

    def _touch(self, at: datetime) -> None:
        self.first_at = at if self.first_at is None or at < self.first_at else self.first_at
        self.last_at = at if self.last_at is None or at > self.last_at else self.last_at

    def apply(self, event: DialAllowed | DialBlocked | DialOutcome) -> bool:
        if not self._fresh(event.event_id):
            return False
        progress = self.numbers.setdefault(event.phone_hash, NumberProgress())
        self._touch(event.at)
        if isinstance(event, DialAllowed):
            self.allowed += 1
            progress.attempts += 1
            progress.dialled += 1
            progress.in_flight = True
            progress.last_at, progress.last_rule = event.at, None
            self.recent.append({"attempt_id": event.attempt_id, "phone_hash": event.phone_hash, "allowed": True,
                                "at": event.at.isoformat(), "conversation_id": event.conversation_id})
        elif isinstance(event, DialBlocked):
            self.blocked[event.rule] += 1
            progress.attempts += 1
            progress.last_at, progress.last_rule = event.at, event.rule
            self.recent.append({"attempt_id": event.attempt_id, "phone_hash": event.phone_hash, "allowed": False,
                                "rule": event.rule, "at": event.at.isoformat()})
        else:
            self.outcomes[event.outcome] += 1
            progress.in_flight = False
            progress.last_outcome = event.outcome
            if event.outcome in ("answered", "abandoned"):
                self.live.append((event.at, event.outcome == "abandoned"))
            if event.handled_by == "agent":
                self.talk_s_agents += event.talk_s
        return True

    def window(self, now: datetime) -> tuple[int, int]:
        """(live answered, abandoned) over the last 30 days."""
        while self.live and self.live[0][0] < now - ABANDON_WINDOW:
            self.live.popleft()
        return len(self.live), sum(1 for _, abandoned in self.live if abandoned)

    @property
    def in_flight(self) -> int:
        return sum(1 for p in self.numbers.values() if p.in_flight)

    def summary(self, now: datetime, agents: int) -> dict[str, Any]:
        live, abandoned = self.window(now)
        span = (self.last_at - self.first_at).total_seconds() if self.first_at and self.last_at else 0.0
        return {
            "attempts": self.allowed + sum(self.blocked.values()),
            "allowed": self.allowed,
            "blocked": sum(self.blocked.values()),
            "blocked_by_rule": dict(sorted(self.blocked.items())),
            "outcomes": dict(sorted(self.outcomes.items())),
            "connects": self.outcomes.get("answered", 0),
            "abandons": self.outcomes.get("abandoned", 0),
            "abandon_rate_30d": round(abandoned / live, 4) if live else 0.0,
            "agent_utilisation": round(min(1.0, self.talk_s_agents / (agents * span)), 4) if agents and span else 0.0,
            "in_flight": self.in_flight,
            "recent": list(self.recent),
        }
