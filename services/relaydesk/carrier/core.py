"""The simulated carrier's core: one allowed dial in, its outcome out.

Each attempt's fate is drawn from a generator seeded by the attempt id (the same attempt always ends the same
way): answered with the campaign's answer probability, else no answer (a full 25 s ring, above the 15 s minimum),
busy or voicemail. An answered call goes to the bot when an AI voice speaks (or the campaign is agentless), else
to a free agent; with no agent free within 2 s it is abandoned, after the identity and opt-out message plays.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from relaydesk.campaigns.pacing import AGENT_WAIT_S
from relaydesk.carrier.config import CarrierSettings
from relaydesk.events import utcnow
from relaydesk.events.envelope import Envelope
from relaydesk.events.ids import derived_id
from relaydesk.events.outbound import DialAllowed, DialOutcome

STAGE = "carrier"
NO_ANSWER_RING_S = 25.0


@dataclass
class CarrierDeps:
    settings: CarrierSettings = field(default_factory=CarrierSettings)
    busy_until: dict[tuple[str, str], list[float]] = field(default_factory=dict)  # monotonic, per campaign
    clock: Callable[[], float] = time.monotonic
    now: Callable[[], datetime] = utcnow
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    # Dials already placed, by event id (bounded): a redelivered or re-decided dial.allowed never rings twice.
    placed: OrderedDict[str, None] = field(default_factory=OrderedDict)
    placed_kept: int = 50_000


def first_time(allowed: DialAllowed, deps: CarrierDeps) -> bool:
    if allowed.event_id in deps.placed:
        return False
    deps.placed[allowed.event_id] = None
    while len(deps.placed) > deps.placed_kept:
        deps.placed.popitem(last=False)
    return True


@dataclass(frozen=True)
class Fate:
    outcome: str
    ring_s: float
    talk_s: float


def fate_of(allowed: DialAllowed, settings: CarrierSettings) -> Fate:
    rng = random.Random(f"{settings.seed}:{allowed.attempt_id}")
    probability = float(allowed.connector_hints.get("answer_probability", settings.answer_probability))
    if rng.random() < probability:
        talk = rng.lognormvariate(0.0, 0.5) * settings.mean_talk_s / 1.133
        return Fate("answered", rng.uniform(3.0, 15.0), talk)
    outcome = rng.choices(("no_answer", "busy", "voicemail"), weights=(0.6, 0.15, 0.25))[0]
    ring = {"no_answer": NO_ANSWER_RING_S, "busy": rng.uniform(2.0, 5.0), "voicemail": rng.uniform(12.0, 25.0)}
    return Fate(outcome, ring[outcome], 0.0)


def _free_agent(deps: CarrierDeps, key: tuple[str, str], agents: int) -> bool:
    now = deps.clock()
    busy = [t for t in deps.busy_until.get(key, []) if t > now]
    deps.busy_until[key] = busy
    return len(busy) < agents


async def handle(allowed: DialAllowed, deps: CarrierDeps) -> list[Envelope]:
    settings = deps.settings
    fate = fate_of(allowed, settings)
    scale = settings.time_scale
    await deps.sleep(fate.ring_s * scale)
    outcome, handled_by, talk = fate.outcome, "none", 0.0
    if fate.outcome == "answered":
        if allowed.ai_voice or allowed.pacing == "agentless":
            handled_by, talk = "bot", fate.talk_s
        else:
            key = (allowed.tenant_id, allowed.campaign_id)
            agents = int(allowed.connector_hints.get("agents", settings.agents))
            if not _free_agent(deps, key, agents):
                await deps.sleep(AGENT_WAIT_S * scale)
            if _free_agent(deps, key, agents):
                handled_by, talk = "agent", fate.talk_s
                deps.busy_until.setdefault(key, []).append(deps.clock() + fate.talk_s * scale)
            else:
                # The connector plays the campaign's identity + opt-out message, then releases the line.
                outcome = "abandoned"
    return [
        DialOutcome(
            event_id=derived_id(allowed.event_id, STAGE),
            tenant_id=allowed.tenant_id,
            conversation_id=allowed.conversation_id if handled_by != "none" else None,
            causation_id=allowed.event_id,
            campaign_id=allowed.campaign_id,
            attempt_id=allowed.attempt_id,
            phone_hash=allowed.phone_hash,
            outcome=outcome,  # type: ignore[arg-type]
            at=deps.now(),
            ring_s=round(fate.ring_s, 2),
            talk_s=round(talk, 2),
            handled_by=handled_by,  # type: ignore[arg-type]
        )
    ]
