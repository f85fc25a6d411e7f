"""Routing of a hand-off: which queue (reason and language), what priority, and whether the tenant's team is in
(office hours in the tenant's time zone). Pure: the clock is a parameter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator

from relaydesk.events.conversation_state import PRIORITY_RANK

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class OfficeHours(BaseModel):
    """When a tenant's agents answer: weekdays (0 = Monday) between `open` and `close`, local time."""

    model_config = ConfigDict(frozen=True)

    tz: str = "UTC"
    days: tuple[int, ...] = (0, 1, 2, 3, 4)
    open: time = time(9, 0)
    close: time = time(17, 0)

    @field_validator("tz")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)  # a typo must fail at start, not route every hand-off wrong
        except (KeyError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("days")
    @classmethod
    def _weekdays(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if not value or any(d < 0 or d > 6 for d in value):
            raise ValueError("days are 0 (Monday) to 6 (Sunday), at least one")
        return value

    def is_open(self, now: datetime) -> bool:
        local = now.astimezone(ZoneInfo(self.tz))
        return local.weekday() in self.days and self.open <= local.time() < self.close

    def next_opening(self, now: datetime) -> datetime:
        """The next moment the team is in (now, if it is in)."""
        if self.is_open(now):
            return now
        zone = ZoneInfo(self.tz)
        local = now.astimezone(zone)
        for offset in range(8):
            day = (local + timedelta(days=offset)).date()
            opening = datetime.combine(day, self.open, tzinfo=zone)
            if day.weekday() in self.days and opening > local:
                return opening
        return now  # unreachable with at least one weekday; never leaves a customer without a time

    def describe(self) -> str:
        days = ", ".join(WEEKDAYS[d] for d in sorted(self.days))
        return f"{days} {self.open:%H:%M}–{self.close:%H:%M} ({self.tz})"


@dataclass(frozen=True)
class Route:
    queue: str
    priority: str
    open: bool
    answer_by: datetime | None


# Categories that jump the queue whatever the hand-off said: a blocked reply or an escalation is a customer
# left without an answer, or an unhappy one.
_PRIORITY_FLOOR = {"escalation": "high", "compliance_block": "high"}


class HandoffFacts(BaseModel):
    category: str
    priority: str = "normal"
    language: str | None = None
    sentiment: float | None = Field(default=None, ge=-1.0, le=1.0)


def route(facts: HandoffFacts, hours: OfficeHours | None, now: datetime) -> Route:
    priority = facts.priority if facts.priority in PRIORITY_RANK else "normal"
    floor = _PRIORITY_FLOOR.get(facts.category)
    if floor is not None and PRIORITY_RANK[floor] > PRIORITY_RANK[priority]:
        priority = floor
    if facts.sentiment is not None and facts.sentiment <= -0.7 and PRIORITY_RANK[priority] < PRIORITY_RANK["high"]:
        priority = "high"
    lang = (facts.language or "en").split("-")[0].lower()
    queue = f"{lang}:{facts.category}"
    if hours is None or hours.is_open(now):
        return Route(queue=queue, priority=priority, open=True, answer_by=None)
    return Route(queue=queue, priority=priority, open=False, answer_by=hours.next_opening(now))
