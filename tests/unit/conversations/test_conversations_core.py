"""The conversations state machine: hand-off -> queued -> claim -> with_agent -> release, with refusals,
redeliveries, agent drafts, summaries and office hours."""

from __future__ import annotations

from datetime import datetime, time

import pytest

from relaydesk.conversations import core
from relaydesk.conversations.config import ConversationsSettings
from relaydesk.conversations.routing import OfficeHours
from relaydesk.events import ConversationState, ConversationSummary, ReplyDraft
from unit.conversations.builders import NOW, command, customer_turn, handoff


def deps(**settings: object) -> core.ConversationsDeps:
    return core.ConversationsDeps(settings=ConversationsSettings(**settings), now=lambda: NOW)  # type: ignore[arg-type]


def states(out: list) -> list[ConversationState]:
    return [e for e in out if isinstance(e, ConversationState)]


def test_when_handoff_then_queued_with_reason_priority_queue_and_waiting_since() -> None:
    d = deps()
    (state,) = core.handle(handoff(), d)
    assert isinstance(state, ConversationState)
    assert (state.state, state.reason, state.queue, state.revision) == ("queued", "customer_request",
                                                                        "en:customer_request", 1)
    assert state.waiting_since == NOW and state.summary and state.sentiment_trend == [-0.2, -0.6]


@pytest.mark.parametrize(
    ("steps", "expected_state", "expected_agent"),
    [
        ([("claim", "ana")], "with_agent", "ana"),  # the first claim wins
        ([("claim", "ana"), ("claim", "bob")], "with_agent", "ana"),  # a second agent is refused
        ([("claim", "ana"), ("release", "bob")], "with_agent", "ana"),  # only the holder releases
        ([("claim", "ana"), ("release", "ana")], "bot", None),  # release to the bot
        ([("release", "ana")], "bot", None),  # a queued conversation can go back to the bot unclaimed
    ],
)
def test_when_agents_act_then_state_follows_the_rules(steps, expected_state, expected_agent) -> None:
    d = deps()
    core.handle(handoff(), d)
    for n, (cmd, agent) in enumerate(steps):
        core.handle(command(cmd, agent, n=n, to="bot" if cmd == "release" else None), d)
    record = d.store.get("c-1")
    assert record is not None and (record["state"], record.get("agent_id")) == (expected_state, expected_agent)


def test_when_claimed_then_running_summary_and_on_close_final_summary() -> None:
    d = deps()
    core.handle(handoff(), d)
    claimed = core.handle(command("claim"), d)
    (running,) = [e for e in claimed if isinstance(e, ConversationSummary)]
    assert running.kind == "running" and running.reason_for_contact.startswith("The customer asked for a person")
    assert "complaint" in running.reason_for_contact
    core.handle(customer_turn(), d)
    closed = core.handle(command("release", to="closed", n=2), d)
    (final,) = [e for e in closed if isinstance(e, ConversationSummary)]
    assert final.kind == "final" and states(closed)[0].state == "closed"
    assert any("Claimed by agent ana" in a for a in final.actions)
    assert any("no answer yet" in item for item in final.open_items)  # the customer's turn was not answered


def test_when_holder_writes_then_agent_draft_for_the_latest_turn() -> None:
    d = deps()
    core.handle(handoff(), d)
    core.handle(command("claim"), d)
    core.handle(customer_turn("t-7"), d)
    out = core.handle(command("message", text="Your card 4111 1111 1111 1111 is blocked.", n=3), d)
    (draft,) = [e for e in out if isinstance(e, ReplyDraft)]
    assert (draft.speaker, draft.turn_id, draft.mode, draft.handoff) == ("agent", "t-7", "handoff", False)
    assert draft.text.startswith("Your card")  # unmasked here: compliance masks it, as for the bot


@pytest.mark.parametrize(
    "before",
    [
        [],  # queued, nobody holds it
        [("claim", "bob")],  # another agent holds it
    ],
)
def test_when_message_from_agent_not_holding_then_no_draft(before) -> None:
    d = deps()
    core.handle(handoff(), d)
    for cmd, agent in before:
        core.handle(command(cmd, agent), d)
    assert core.handle(command("message", "ana", text="hello", n=9), d) == []


def test_when_input_redelivered_then_applied_once() -> None:
    d = deps()
    first = core.handle(handoff(), d)
    assert first and core.handle(handoff(), d) == []
    core.handle(command("claim"), d)
    msg = command("message", text="hi", n=4)
    assert core.handle(msg, d) and core.handle(msg, d) == []
    assert d.store.get("c-1")["agent_messages"] == 1  # type: ignore[index]


def test_when_customer_writes_while_held_then_state_carries_emotion_trend() -> None:
    d = deps()
    core.handle(handoff(), d)
    (state,) = core.handle(customer_turn("t-2", sentiment=-0.8), d)
    assert isinstance(state, ConversationState)
    assert state.last_turn_id == "t-2" and state.sentiment_trend[-1] == -0.8 and state.revision == 2


def test_when_conversation_with_bot_then_turns_leave_no_record() -> None:
    d = deps()
    assert core.handle(customer_turn(), d) == []
    assert d.store.get("c-1") is None or d.store.get("c-1")["state"] == "bot"  # type: ignore[index]


def test_when_second_handoff_while_queued_then_only_priority_rises() -> None:
    d = deps()
    core.handle(handoff(priority="normal"), d)
    assert core.handle(handoff(reason="blocked_reply", priority="normal", event_id="handoff-2"), d) == []
    (state,) = core.handle(handoff(reason="blocked_reply", priority="urgent", event_id="handoff-3"), d)
    assert state.priority == "urgent" and state.reason == "customer_request"


@pytest.mark.parametrize(
    ("category", "priority", "sentiment", "expected"),
    [
        ("customer_request", "normal", -0.2, "normal"),  # as the hand-off said
        ("escalation", "normal", -0.2, "high"),  # escalations are at least high
        ("compliance_block", "low", None, "high"),  # a customer left without an answer
        ("no_knowledge", "normal", -0.9, "high"),  # a very unhappy customer jumps the queue
        ("escalation", "urgent", -0.9, "urgent"),  # never lowered
    ],
)
def test_when_routed_then_priority_by_reason_and_emotion(category, priority, sentiment, expected) -> None:
    d = deps()
    trend = [sentiment] if sentiment is not None else []
    (state,) = core.handle(handoff(category=category, priority=priority, sentiment_trend=trend), d)
    assert state.priority == expected and state.queue == f"en:{category}"


def test_when_outside_office_hours_then_customer_told_when_someone_answers() -> None:
    hours = OfficeHours(tz="Asia/Tokyo", days=(0, 1, 2, 3, 4), open=time(9, 0), close=time(17, 0))
    d = deps(office_hours={"acme": hours})  # 10:00 UTC Monday is 19:00 in Tokyo: closed
    out = core.handle(handoff(language="ja"), d)
    (notice,) = [e for e in out if isinstance(e, ReplyDraft)]
    assert notice.speaker == "bot" and "Tue 03 Mar 09:00 (Asia/Tokyo)" in notice.text and "担当者" in notice.text
    assert states(out)[0].answer_by == datetime.fromisoformat("2026-03-03T09:00:00+09:00")
    assert states(out)[0].queue == "ja:customer_request"


def test_when_inside_office_hours_then_no_notice() -> None:
    hours = OfficeHours(tz="Europe/London", open=time(9, 0), close=time(17, 0))
    out = core.handle(handoff(), deps(office_hours={"acme": hours}))
    assert [type(e) for e in out] == [ConversationState]


def test_when_office_hours_name_unknown_zone_then_rejected() -> None:
    with pytest.raises(ValueError):
        OfficeHours(tz="Mars/Olympus")
