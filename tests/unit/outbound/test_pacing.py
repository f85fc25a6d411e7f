"""Pacing: the predictive pacer's abandonment bound and its gain over the progressive baseline."""

from __future__ import annotations

import pytest

from relaydesk.campaigns.pacing import PacerState, Predictive, Progressive
from relaydesk.campaigns.simulate import draw_calls, run_pacer, simulate


def state(**changes: int | float) -> PacerState:
    base: dict = {"agents": 10, "free_agents": 4, "soon_free": 2, "in_flight": 0, "live_answered": 0,
                  "abandoned": 0, "dialled": 0, "answered_share": 0.3}
    base.update(changes)
    return PacerState(**base)


def test_when_no_abandon_budget_then_predictive_dials_only_for_free_agents() -> None:
    assert Predictive().lines_to_dial(state()) == 4


def test_when_budget_available_then_predictive_overdials_within_it() -> None:
    # floor(0.03 * 300) - 2 = 7 excess lines allowed; wanted ceil(6 / 0.3) = 20.
    assert Predictive().lines_to_dial(state(live_answered=300, abandoned=2)) == 4 + 7


def test_when_progressive_then_one_line_per_free_agent() -> None:
    assert Progressive().lines_to_dial(state(in_flight=1)) == 3


@pytest.mark.parametrize(
    ("contacts", "agents", "answer_rate", "seed"),
    [(2000, 10, 0.3, 7), (3000, 20, 0.2, 1), (1500, 5, 0.5, 3), (800, 3, 0.7, 11)],
)
def test_when_simulated_then_abandonment_within_3_percent_and_utilisation_above_progressive(
    contacts: int, agents: int, answer_rate: float, seed: int
) -> None:
    report = simulate(contacts, agents, answer_rate, seed)
    assert report["abandon_rate"] <= 0.03
    assert report["agent_utilisation"] > report["progressive_utilisation"]
    assert report["progressive_abandon_rate"] == 0.0


def test_when_same_seed_then_same_figures() -> None:
    assert simulate(500, 4, 0.4, 5) == simulate(500, 4, 0.4, 5)


def test_when_every_call_answered_then_abandons_still_bounded() -> None:
    calls = draw_calls(1000, 1.0, seed=2)
    result = run_pacer(calls, 4, Predictive())
    assert result.abandoned <= 0.03 * result.live_answered


def test_when_simulate_cli_runs_then_one_json_object_with_the_three_figures(capsys) -> None:
    import json

    from relaydesk.cli.main import main

    assert main(["campaign", "simulate", "--contacts", "1000", "--agents", "5", "--answer-rate", "0.3", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["abandon_rate"] <= 0.03
    assert report["agent_utilisation"] > report["progressive_utilisation"]
