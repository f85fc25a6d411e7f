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
    from relaydesk.stack.layout import COHOSTED_ENV, COMBINED_NLU_ENV, GUARD_IN_NLU_ENV, WORKERS, stack_workers

    monkeypatch.setenv(GUARD_IN_NLU_ENV, "0")
    monkeypatch.setenv(COHOSTED_ENV, "0")  # the other workers as the chart deploys them
    if value is None:
        monkeypatch.delenv(COMBINED_NLU_ENV, raising=False)
    else:
        monkeypatch.setenv(COMBINED_NLU_ENV, value)
    workers = stack_workers()
    assert ("nlu" in workers) is combined
    assert ("intent" in workers) is not combined and ("emotion" in workers) is not combined
    assert set(workers) - {"nlu"} <= set(WORKERS)


@pytest.mark.parametrize(
    ("combined", "guard_in", "front"),
    [
        (None, None, ("guard-nlu",)),  # the default: guard, intent and emotion in one process
        ("1", "0", ("guard", "nlu")),
        ("0", "1", ("guard", "intent", "emotion")),  # the guard joins only a combined NLU
    ],
)
def test_when_guard_in_nlu_is_left_on_then_up_runs_guard_intent_and_emotion_in_one_worker(
    combined: str | None, guard_in: str | None, front: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    from relaydesk.stack.layout import COHOSTED_ENV, COMBINED_NLU_ENV, GUARD_IN_NLU_ENV, stack_workers

    monkeypatch.setenv(COHOSTED_ENV, "0")
    for env, value in ((COMBINED_NLU_ENV, combined), (GUARD_IN_NLU_ENV, guard_in)):
        if value is None:
            monkeypatch.delenv(env, raising=False)
        else:
            monkeypatch.setenv(env, value)
    workers = stack_workers()
    assert workers[: len(front)] == front
    assert not {"guard", "intent", "emotion", "nlu", "guard-nlu"} - set(front) & set(workers)
    assert "knowledge" in workers and "generation" in workers


def test_when_guard_nlu_routes_then_turns_go_on_to_retrieval_and_the_rest_as_the_guard_routes_them() -> None:
    from relaydesk.common.settings import KafkaSettings
    from relaydesk.common.topics import Topics
    from relaydesk.events import ComplianceAudit
    from relaydesk.guard.app import GuardAdapter

    adapter = GuardAdapter(KafkaSettings(), deps=object())
    assert adapter.route(_turn(0), Topics.TURNS_EMOTION) == Topics.TURNS_EMOTION
    assert adapter.route(_turn(0)) == Topics.TURNS_GUARDED
    audit = ComplianceAudit.model_construct(tenant_id="t")
    assert adapter.route(audit, Topics.TURNS_EMOTION) == Topics.COMPLIANCE_AUDIT
