"""Generation and hand-off state: a request for a person wins over the top intent, the hand-off carries its
context, and while a person holds the conversation the bot sends nothing."""

from __future__ import annotations

from relaydesk.events import Handoff, ReplyDraft
from relaydesk.generation import core
from relaydesk.generation.holds import TableHolds
from unit.generation.generation_doubles import ScriptedGenerator, emotion, make_deps, make_turn


class DictTable(dict):
    def set(self, key: str, value: object) -> None:
        self[key] = value


async def test_when_angry_customer_asks_for_a_person_then_handoff_wins_over_complaint() -> None:
    deps = make_deps()
    text = "This is ridiculous, I have asked three times. Let me talk to a real person now."
    out = await core.handle(make_turn(text, intent="complaint", emotion=emotion("anger", sentiment=-0.8)), deps)
    (handoff,) = [e for e in out if isinstance(e, Handoff)]
    assert (handoff.reason, handoff.category, handoff.language) == ("customer_request", "customer_request", "en")
    assert handoff.priority == "high" and handoff.cited_docs == ["refunds"]
    assert [e.mode for e in out if isinstance(e, ReplyDraft)] == ["handoff"]


async def test_when_conversation_held_then_no_bot_reply_and_turn_kept_in_history() -> None:
    generator = ScriptedGenerator()
    deps = make_deps(generator)
    deps.holds = TableHolds(DictTable())
    assert deps.holds.apply("c-1", "with_agent", 3)
    assert await core.handle(make_turn("How long do refunds take?", turn_id="t-5"), deps) == []
    assert generator.requests == []  # the model was not even asked
    assert [t.turn_id for t in deps.history.get("c-1")] == ["t-5"]


async def test_when_bot_hands_off_then_next_turn_is_silent_before_the_state_comes_back() -> None:
    deps = make_deps()
    deps.holds = TableHolds(DictTable())
    first = await core.handle(make_turn("agent please", turn_id="t-1"), deps)
    assert any(isinstance(e, Handoff) for e in first)
    assert await core.handle(make_turn("hello? anyone?", turn_id="t-2"), deps) == []


async def test_when_released_to_bot_then_bot_answers_again() -> None:
    deps = make_deps()
    holds = TableHolds(DictTable())
    deps.holds = holds
    holds.mark_queued("c-1")
    holds.apply("c-1", "queued", 1)
    holds.apply("c-1", "bot", 4)
    assert not holds.apply("c-1", "with_agent", 2)  # an older record arriving late changes nothing
    out = await core.handle(make_turn("How long do refunds take?", turn_id="t-9"), deps)
    assert [e.mode for e in out if isinstance(e, ReplyDraft)] == ["generated"]
