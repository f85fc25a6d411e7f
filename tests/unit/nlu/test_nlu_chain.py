"""The combined intent + emotion worker: the second core runs over the first one's turns, one output list per
input in order; other events pass through; and `relaydesk up` swaps the two workers for it only when asked."""

from __future__ import annotations

import pytest

from relaydesk.events import Envelope, TurnAnnotated, TurnBody, utcnow
from relaydesk.nlu.app import chain


def _turn(i: int) -> TurnAnnotated:
    return TurnAnnotated(
        tenant_id="t",
        conversation_id=f"c-{i}",
        turn=TurnBody(turn_id=f"t-{i}", channel="webchat", speaker="customer", text=f"text {i}"),
        received_at=utcnow(),
    )


def test_when_chained_then_second_sees_firsts_turns_and_outputs_stay_per_input() -> None:
    events = [_turn(i) for i in range(3)]
    seen: list[list[str]] = []

    def first(evs):  # type: ignore[no-untyped-def]
        return [[e.model_copy(update={"event_id": f"a{e.turn.turn_id}"})] for e in evs]

    def second(evs):  # type: ignore[no-untyped-def]
        seen.append([e.event_id for e in evs])
        return [[e.model_copy(update={"event_id": f"b{e.event_id}"})] for e in evs]

    out = chain(events, first, second)
    assert seen == [["at-0", "at-1", "at-2"]]  # one batch for the second core
    assert [[o.event_id for o in outs] for outs in out] == [["bat-0"], ["bat-1"], ["bat-2"]]


def test_when_first_emits_no_turn_for_an_input_then_that_output_passes_through() -> None:
    other = Envelope(tenant_id="t", conversation_id="c-x")
    events = [_turn(0), _turn(1)]
    out = chain(events, lambda evs: [[other], [evs[1]]], lambda evs: [[*evs, other]])
    assert out[0] == [other]
    assert out[1][0].event_id == events[1].event_id and out[1][1] is other


@pytest.mark.parametrize(
    ("value", "combined"),
    [(None, True), ("", True), ("1", True), ("0", False), ("false", False), ("off", False)],  # on unless turned off
)
def test_when_combined_nlu_is_left_on_then_up_runs_one_nlu_worker(
    value: str | None, combined: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from relaydesk.stack.up import COMBINED_NLU_ENV, WORKERS, stack_workers

    if value is None:
        monkeypatch.delenv(COMBINED_NLU_ENV, raising=False)
    else:
        monkeypatch.setenv(COMBINED_NLU_ENV, value)
    workers = stack_workers()
    assert ("nlu" in workers) is combined
    assert ("intent" in workers) is not combined and ("emotion" in workers) is not combined
    assert set(workers) - {"nlu"} <= set(WORKERS)
