"""The QA processor's core without a broker: transcripts from events, closing by state or idle timeout,
deterministic ids, its own scores read back, tenant rubrics."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

from clocks import ManualClock
from relaydesk.events import (
    ComplianceVerdict,
    ConversationState,
    Handoff,
    QaScored,
    Reply,
    TenantConfig,
    TurnAnnotated,
    TurnBody,
)
from relaydesk.qa import core
from relaydesk.qa.bootstrap import build_deps
from relaydesk.qa.config import QaSettings
from relaydesk.qa.rubric import default_rubric

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def turn(cid: str, turn_id: str, text: str, at: int) -> TurnAnnotated:
    return TurnAnnotated(
        tenant_id="acme", conversation_id=cid, received_at=T0 + timedelta(seconds=at),
        turn=TurnBody(turn_id=turn_id, channel="webchat", speaker="customer", text=text, lang="en"),
    )


def reply(cid: str, turn_id: str, text: str, at: int, handoff: bool = False) -> Reply:
    return Reply(
        tenant_id="acme", conversation_id=cid, turn_id=turn_id, reply_id=f"rep-{turn_id}", text=text,
        mode="generated", handoff=handoff, compliance=ComplianceVerdict(verdict="pass"),
        received_at=T0 + timedelta(seconds=at), occurred_at=T0 + timedelta(seconds=at + 1),
    )


def closed(cid: str) -> ConversationState:
    return ConversationState(tenant_id="acme", conversation_id=cid, state="closed", event_id="state-closed-1")


def deps_with_clock() -> tuple[core.QaDeps, ManualClock]:
    clock = ManualClock(1000.0)
    deps = build_deps(QaSettings(idle_timeout_s=20))
    deps.clock = clock
    return deps, clock


def feed(deps: core.QaDeps, *events: object) -> list[object]:
    out: list[object] = []
    for e in events:
        out.extend(core.handle(e, deps))  # type: ignore[arg-type]
    return out


def close(deps: core.QaDeps, clock: ManualClock, cid: str) -> list[object]:
    """A close, then the sweep once the grace has passed."""
    assert feed(deps, closed(cid)) == [], "a close waits for the grace: its conversation's events may still come"
    clock.now += deps.close_grace_s
    return list(core.close_idle(deps))


def test_when_conversation_closed_by_state_then_scored_once_in_turn_order() -> None:
    deps, clock = deps_with_clock()
    # The reply arrives before the customer's turn: order comes from the timestamps, not the arrival.
    events = [reply("c1", "t1", "Hello, I'm sorry to hear that. Is there anything else I can help with?", 0),
              turn("c1", "t1", "I'm so frustrated, my login fails", 0)]
    assert feed(deps, *events) == []
    (scored,) = close(deps, clock, "c1")
    assert isinstance(scored, QaScored)
    assert scored.closed_by == "state" and scored.turns == 2 and scored.rubric_version == default_rubric().version
    answers = {a.question: a for a in scored.answers}
    assert answers["empathy"].answer == "yes" and answers["closing"].answer == "yes"
    # Redelivered close before the score came back: no second score while the first is on its way.
    assert close(deps, clock, "c1") == []
    feed(deps, scored)
    assert deps.store.get("c1") is None


def test_when_event_redelivered_then_transcript_holds_it_once() -> None:
    deps, _ = deps_with_clock()
    feed(deps, turn("c1", "t1", "hi", 0), turn("c1", "t1", "hi", 0), reply("c1", "t1", "Hello!", 0))
    t = deps.store.get("c1")
    assert t is not None and len(t["items"]) == 2


def test_when_idle_for_the_timeout_then_swept_once_until_it_comes_back() -> None:
    deps, clock = deps_with_clock()
    feed(deps, turn("c2", "t1", "Where is my order?", 0), reply("c2", "t1", "Your order has shipped.", 0))
    assert list(core.close_idle(deps)) == []  # not idle yet
    clock.now += 21
    (scored,) = list(core.close_idle(deps))
    assert scored.closed_by == "idle" and scored.conversation_id == "c2"
    assert list(core.close_idle(deps)) == []  # already emitted, not yet read back
    feed(deps, scored)  # read back from the topic: marked scored
    clock.now += 100
    assert list(core.close_idle(deps)) == []
    # The customer comes back: the conversation is scored again later, under a new id.
    feed(deps, turn("c2", "t2", "Thanks, that helps", 130))
    clock.now += 21
    (second,) = list(core.close_idle(deps))
    assert second.event_id != scored.event_id and second.turns == 3


def test_when_swept_then_the_rows_it_scans_are_left_as_they_were() -> None:
    # The stores hand the sweep their rows without copies: scoring must not change them.
    deps, clock = deps_with_clock()
    feed(deps, turn("c3", "t1", "My card was charged twice", 0), reply("c3", "t1", "I'm sorry, I'll check.", 0),
         turn("c4", "t1", "Cancel my plan", 0), closed("c4"))
    before = copy.deepcopy(dict(deps.store.items()))
    clock.now += 21
    assert {s.conversation_id for s in core.close_idle(deps)} == {"c3", "c4"}
    assert dict(deps.store.items()) == before


def test_when_state_score_read_back_then_transcript_removed() -> None:
    deps, clock = deps_with_clock()
    feed(deps, turn("c3", "t1", "hi", 0))
    (scored,) = close(deps, clock, "c3")
    feed(deps, scored)
    assert deps.store.get("c3") is None


def test_when_close_overtakes_the_conversations_events_then_scored_by_state_once_they_arrive() -> None:
    deps, clock = deps_with_clock()
    # The close travels on another topic than the turns, so it can be read first.
    assert feed(deps, closed("c5")) == []
    feed(deps, turn("c5", "t1", "Where is my order?", 0), reply("c5", "t1", "It has shipped. Anything else?", 0))
    assert list(core.close_idle(deps)) == []  # within the grace: more events may still come
    clock.now += deps.close_grace_s
    (scored,) = list(core.close_idle(deps))
    assert scored.closed_by == "state" and scored.turns == 2
    feed(deps, scored)
    assert deps.store.get("c5") is None


def test_when_reply_read_after_the_close_then_the_score_waits_for_it() -> None:
    deps, clock = deps_with_clock()
    # Sent in this order, read in another: the reply's topic lags the close's.
    feed(deps, turn("c7", "t1", "I'm really frustrated, where is my order?", 0), closed("c7"))
    clock.now += deps.close_grace_s / 2
    assert list(core.close_idle(deps)) == []
    feed(deps, reply("c7", "t1", "I'm sorry about that. What's your order number?", 0))
    clock.now += deps.close_grace_s / 2
    assert list(core.close_idle(deps)) == [], "the grace runs from the conversation's last event"
    clock.now += deps.close_grace_s / 2
    (scored,) = list(core.close_idle(deps))
    answers = {a.question: a.answer for a in scored.answers}
    assert scored.turns == 2 and answers["closing"] == "no" and answers["empathy"] == "yes"


def test_when_close_never_followed_by_events_then_forgotten_after_the_idle_timeout() -> None:
    deps, clock = deps_with_clock()
    feed(deps, closed("c6"))
    clock.now += 21
    assert list(core.close_idle(deps)) == []
    assert deps.store.get("c6") is None


def test_when_handoff_arrives_before_its_reply_then_reply_marked() -> None:
    deps, clock = deps_with_clock()
    feed(deps, turn("c4", "t1", "I want to talk to a human", 0))
    feed(deps, Handoff(tenant_id="acme", conversation_id="c4", turn_id="t1", reply_id="rep-t1",
                       reason="customer_request", summary="asked for a person"))
    feed(deps, reply("c4", "t1", "One moment please.", 0))
    (scored,) = close(deps, clock, "c4")
    assert {a.question: a.answer for a in scored.answers}["handoff_honoured"] == "yes"


def test_when_tenant_has_its_own_rubric_then_scored_under_its_version() -> None:
    deps, clock = deps_with_clock()
    yaml_text = "name: acme-qa\nsections:\n  - id: s\n    questions:\n      - id: closing\n        weight: 1\n"
    core.apply_tenant_config(TenantConfig(tenant_id="acme", revision=1, qa_rubric=yaml_text), deps)
    feed(deps, turn("c5", "t1", "hi", 0), reply("c5", "t1", "Goodbye and take care.", 0))
    (scored,) = close(deps, clock, "c5")
    assert scored.rubric_name == "acme-qa" and [a.question for a in scored.answers] == ["closing"]
    assert scored.score == 100.0


def test_when_tenant_rubric_invalid_then_previous_kept() -> None:
    deps, _ = deps_with_clock()
    good = "name: acme-qa\nsections:\n  - id: s\n    questions:\n      - id: closing\n"
    core.apply_tenant_config(TenantConfig(tenant_id="acme", revision=1, qa_rubric=good), deps)
    core.apply_tenant_config(TenantConfig(tenant_id="acme", revision=2, qa_rubric="sections: [1, 2"), deps)
    assert deps.rubric_for("acme").name == "acme-qa"
