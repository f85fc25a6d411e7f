"""Pacers: how many lines to dial now. Pure, shared by the simulator and the dialer stage.

The predictive pacer keeps abandoned calls at or under 3% of live-answered calls over the campaign's window
(FTC TSR 310.4(b)(4)(i); 47 CFR 64.1200(a)(7)) with an abandonment budget: lines beyond the free agents
("excess" lines, the only ones that can find no agent) are never more than the abandons the budget still
allows, `floor(0.03 * live_answered) - abandoned`. Every excess line can cause at most one abandon, so the rate
stays within the target whatever the answer rate does. Within that bound it dials for the free agents and for
those about to free up, divided by the observed answer rate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

ABANDON_TARGET = 0.03
AGENT_WAIT_S = 2.0  # a live answer with no agent within 2 s is abandoned: the identity + opt-out message plays


@dataclass(frozen=True)
class PacerState:
    agents: int
    free_agents: int  # idle, not already reserved for a ringing line
    soon_free: int  # talking, expected to finish within a typical ring time
    in_flight: int  # lines dialled and still ringing
    live_answered: int  # over the abandonment window
    abandoned: int  # over the abandonment window
    dialled: int
    answered_share: float  # observed share of dials answered live (prior 0.5)


class Pacer(Protocol):
    name: str

    def lines_to_dial(self, state: PacerState) -> int: ...


class Progressive:
    """One line per free agent, and the agent waits for it: no abandonment, lower utilisation."""

    name = "progressive"

    def lines_to_dial(self, state: PacerState) -> int:
        return max(0, state.free_agents - state.in_flight)


class Preview(Progressive):
    """Like progressive, after the agent has previewed the contact (the dialer waits for the agent's go)."""

    name = "preview"


class Agentless:
    """The bot takes every answered call: lines are bounded by the channel capacity, not by agents."""

    name = "agentless"

    def __init__(self, max_lines: int = 10) -> None:
        self.max_lines = max_lines

    def lines_to_dial(self, state: PacerState) -> int:
        return max(0, self.max_lines - state.in_flight)


@dataclass
class Predictive:
    target: float = ABANDON_TARGET
    max_lines_per_agent: float = 3.0
    name: str = "predictive"

    def abandon_budget(self, state: PacerState) -> int:
        return max(0, math.floor(self.target * state.live_answered + 1e-9) - state.abandoned)

    def lines_to_dial(self, state: PacerState) -> int:
        if state.agents <= 0:
            return 0
        share = min(1.0, max(0.05, state.answered_share))
        wanted = math.ceil((state.free_agents + state.soon_free) / share)
        cap = math.floor(self.max_lines_per_agent * state.agents)
        excess_allowed = self.abandon_budget(state)
        limit = min(cap, state.free_agents + excess_allowed)
        return max(0, min(wanted, limit) - state.in_flight)


def pacer_for(mode: str, agents: int = 1) -> Pacer:
    if mode == "predictive":
        return Predictive()
    if mode == "agentless":
        return Agentless(max_lines=max(1, agents) * 2)
    if mode == "preview":
        return Preview()
    return Progressive()
