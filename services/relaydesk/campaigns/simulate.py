"""An in-process, seeded simulation of a campaign's calls: the same contacts (same answers, ring and talk
times) dialled by the predictive pacer and by the progressive baseline, so their figures compare like for like.

A live answer waits up to 2 s for an agent; with none free, the identity and opt-out message plays and the
call counts as abandoned. Utilisation is agents' talk time over agents x elapsed time.
"""

from __future__ import annotations

import heapq
import random
from dataclasses import dataclass, field
from typing import Any

from relaydesk.campaigns.pacing import AGENT_WAIT_S, Pacer, PacerState, Predictive, Progressive

NOT_LIVE = ("no_answer", "busy", "voicemail")


@dataclass(frozen=True)
class CallDraw:
    outcome: str  # answered | no_answer | busy | voicemail
    ring_s: float
    talk_s: float


def draw_calls(n: int, answer_rate: float, seed: int, mean_talk_s: float = 90.0) -> list[CallDraw]:
    rng = random.Random(seed)
    calls = []
    for _ in range(n):
        if rng.random() < answer_rate:
            # Talk time: lognormal around the mean; ring before a live answer 3-20 s.
            talk = rng.lognormvariate(0.0, 0.5) * mean_talk_s / 1.133
            calls.append(CallDraw("answered", rng.uniform(3.0, 20.0), talk))
        else:
            outcome = rng.choices(NOT_LIVE, weights=(0.6, 0.15, 0.25))[0]
            ring = {"no_answer": 25.0, "busy": rng.uniform(2.0, 5.0), "voicemail": rng.uniform(12.0, 25.0)}[outcome]
            calls.append(CallDraw(outcome, ring, 0.0))
    return calls


@dataclass
class SimResult:
    pacer: str
    dialled: int = 0
    live_answered: int = 0
    connected: int = 0
    abandoned: int = 0
    talk_s: float = 0.0
    elapsed_s: float = 0.0
    agents: int = 0
    max_in_flight: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)

    @property
    def abandon_rate(self) -> float:
        return self.abandoned / self.live_answered if self.live_answered else 0.0

    @property
    def utilisation(self) -> float:
        return self.talk_s / (self.agents * self.elapsed_s) if self.agents and self.elapsed_s else 0.0


def run_pacer(calls: list[CallDraw], agents: int, pacer: Pacer, wrap_s: float = 5.0) -> SimResult:
    """Dial `calls` in order with `pacer`. Events: a line's result after its ring time, an agent freeing."""
    result = SimResult(pacer=pacer.name, agents=agents)
    events: list[tuple[float, int, str, int]] = []
    seq = 0
    now = 0.0
    next_call = 0
    in_flight = 0
    free = agents
    busy_until: list[float] = []  # per talking agent, when it frees
    waiting: list[float] = []  # live answers waiting for an agent: their deadlines
    dial_attempts = 0

    def push(at: float, kind: str, data: int) -> None:
        nonlocal seq
        seq += 1
        heapq.heappush(events, (at, seq, kind, data))

    def connect(talk: float) -> None:
        nonlocal free
        free -= 1
        result.connected += 1
        result.talk_s += talk
        busy_until.append(now + talk + wrap_s)
        push(now + talk + wrap_s, "agent_free", 0)

    def pace() -> None:
        nonlocal next_call, in_flight, dial_attempts
        # Agents about to finish (within a typical ring time) can take a line dialled now.
        soon = sum(1 for t in busy_until if t - now <= 15.0)
        state = PacerState(
            agents=agents, free_agents=free,
            soon_free=soon, in_flight=in_flight, live_answered=result.live_answered, abandoned=result.abandoned,
            dialled=dial_attempts,
            answered_share=(result.live_answered + 1) / (dial_attempts - in_flight + 2),
        )
        for _ in range(pacer.lines_to_dial(state)):
            if next_call >= len(calls):
                return
            call = calls[next_call]
            push(now + call.ring_s, "line_result", next_call)
            next_call += 1
            in_flight += 1
            dial_attempts += 1
            result.dialled += 1
            result.max_in_flight = max(result.max_in_flight, in_flight)

    pace()
    while events:
        now, _, kind, data = heapq.heappop(events)
        if kind == "line_result":
            in_flight -= 1
            call = calls[data]
            result.outcomes[call.outcome] = result.outcomes.get(call.outcome, 0) + 1
            if call.outcome == "answered":
                result.live_answered += 1
                if free > 0:
                    connect(call.talk_s)
                else:
                    waiting.append(now + AGENT_WAIT_S)
                    push(now + AGENT_WAIT_S, "wait_over", data)
        elif kind == "agent_free":
            busy_until.remove(min(busy_until, key=lambda t: abs(t - now)))
            free += 1
            if waiting:  # a caller waiting less than 2 s takes this agent
                deadline = waiting.pop(0)
                idx = _pending_call(events, deadline)
                if idx is not None:
                    _, _, _, call_index = events.pop(idx)
                    heapq.heapify(events)
                    connect(calls[call_index].talk_s)
        elif kind == "wait_over":
            deadline = now
            if deadline in waiting:
                waiting.remove(deadline)
                result.abandoned += 1  # identity + opt-out message, then hang up
                result.outcomes["abandoned"] = result.outcomes.get("abandoned", 0) + 1
        pace()
        result.elapsed_s = max(result.elapsed_s, now)
    return result


def _pending_call(events: list[tuple[float, int, str, int]], deadline: float) -> int | None:
    for i, (at, _, kind, _) in enumerate(events):
        if kind == "wait_over" and at == deadline:
            return i
    return None


def simulate(contacts: int, agents: int, answer_rate: float, seed: int = 7) -> dict[str, Any]:
    calls = draw_calls(contacts, answer_rate, seed)
    predictive = run_pacer(calls, agents, Predictive())
    progressive = run_pacer(calls, agents, Progressive())
    return {
        "contacts": contacts,
        "agents": agents,
        "answer_rate": answer_rate,
        "seed": seed,
        "abandon_rate": round(predictive.abandon_rate, 4),
        "abandon_target": 0.03,
        "agent_utilisation": round(predictive.utilisation, 4),
        "progressive_utilisation": round(progressive.utilisation, 4),
        "progressive_abandon_rate": round(progressive.abandon_rate, 4),
        "live_answered": predictive.live_answered,
        "abandoned": predictive.abandoned,
        "connected": predictive.connected,
        "elapsed_s": round(predictive.elapsed_s, 1),
        "progressive_elapsed_s": round(progressive.elapsed_s, 1),
        "max_lines_in_flight": predictive.max_in_flight,
    }
