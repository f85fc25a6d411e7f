"""Agent assist: quick cards and an extractive draft at once, the model's draft when grounded, nothing for
conversations the bot holds."""

from __future__ import annotations

from relaydesk.assist import core
from relaydesk.assist.config import AssistSettings
from relaydesk.events import AssistSuggestions
from relaydesk.generation.holds import TableHolds
from unit.conversations.test_bot_silence import DictTable
from unit.generation.generation_doubles import REFUNDS, SHIPPING, ScriptedGenerator, hit, make_turn


class ListSink:
    def __init__(self) -> None:
        self.items: list[AssistSuggestions] = []

    async def emit(self, suggestions: AssistSuggestions) -> None:
        self.items.append(suggestions)


def held(state: str = "with_agent") -> TableHolds:
    holds = TableHolds(DictTable())
    holds.apply("c-1", state, 1)
    return holds


TURN_HITS = [hit(), hit("shipping", SHIPPING, title="Shipping")]


async def test_when_turn_of_held_conversation_then_quick_cards_then_grounded_model_draft() -> None:
    sink = ListSink()
    deps = core.AssistDeps(holds=held(), generator=ScriptedGenerator(REFUNDS), sink=sink)
    out = await core.handle(make_turn("How long do refunds take?", hits=TURN_HITS), deps)
    (quick,) = sink.items
    assert [s.kind for s in quick.items] == ["draft", "card", "card"]
    assert [s.sources[0].doc_id for s in quick.items[1:]] == ["refunds", "shipping"]
    assert quick.turn_id == "t-1" and quick.received_at == make_turn().received_at
    (full,) = out
    assert isinstance(full, AssistSuggestions) and len(full.items) == 4 and full.event_id != quick.event_id
    assert full.items[0].text == REFUNDS and full.items[0].sources[0].doc_id == "refunds"


async def test_when_model_answer_is_not_grounded_then_quick_suggestions_stand_alone() -> None:
    sink = ListSink()
    made_up = "Refunds are instant and we also give you a free phone worth 900 dollars."
    deps = core.AssistDeps(holds=held("queued"), generator=ScriptedGenerator(made_up), sink=sink)
    assert await core.handle(make_turn("How long do refunds take?", hits=TURN_HITS), deps) == []
    assert len(sink.items) == 1


async def test_when_model_fails_then_quick_suggestions_stand_alone() -> None:
    sink = ListSink()
    deps = core.AssistDeps(holds=held(), generator=ScriptedGenerator(fail=TimeoutError()), sink=sink)
    assert await core.handle(make_turn(hits=TURN_HITS), deps) == []
    assert sink.items and sink.items[0].items


async def test_when_bot_holds_conversation_then_no_suggestions() -> None:
    generator = ScriptedGenerator()
    deps = core.AssistDeps(holds=held("bot"), generator=generator, sink=ListSink())
    assert await core.handle(make_turn(hits=TURN_HITS), deps) == []
    assert generator.requests == []


async def test_when_no_sink_and_drafting_off_then_quick_set_is_the_output() -> None:
    deps = core.AssistDeps(holds=held(), settings=AssistSettings(generate=False, cards=1))
    (only,) = await core.handle(make_turn(hits=TURN_HITS), deps)
    assert isinstance(only, AssistSuggestions) and [s.kind for s in only.items] == ["draft", "card"]
