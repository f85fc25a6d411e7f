"""Shared prompt prefixes on the CTranslate2 engine: which rows send theirs as a static prompt, and how many
distinct prefixes a generator keeps (CTranslate2 itself never forgets one)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from relaydesk.generation.adapters.serve_client import request_payload
from relaydesk.generation.ct2_engine import Ct2Engine, Ct2Row, PrefixStates
from relaydesk.generation.engine import EngineRequest
from relaydesk.generation.ports import GenerationRequest
from relaydesk.generation.prompt import Persona, PromptBudget, build_prompt
from relaydesk.generation.protocol import GenerateRequest

from .test_prompt import conversation, source


def row(ids: tuple[int, ...], static_len: int) -> Ct2Row:
    stream: Any = None  # _split_prefix reads only the request
    return Ct2Row(ids, EngineRequest(ids, 8, static_len=static_len), stream)


def tokens(rows: list[Ct2Row]) -> list[list[str]]:
    return [[f"t{i}" for i in r.request.prompt_ids] for r in rows]


def test_when_rows_share_a_kept_prefix_then_it_goes_as_the_static_prompt_and_the_rest_as_the_prompt() -> None:
    rows = [row((1, 2, 3, 4, 5), 3), row((1, 2, 3, 9), 3)]
    rest, static = Ct2Engine._split_prefix(rows, tokens(rows), PrefixStates(4))
    assert static == {"static_prompt": ["t1", "t2", "t3"], "cache_static_prompt": True}
    assert rest == [["t4", "t5"], ["t9"]]


@pytest.mark.parametrize(
    "rows",
    [
        [row((1, 2, 3, 4), 0)],  # nothing marked shared
        [row((1, 2, 3, 4), 3), row((1, 2, 7, 4), 3)],  # two prefixes in one call
        [row((1, 2, 3, 4), 3), row((1, 2, 3, 4), 0)],  # one row shares nothing
    ],
)
def test_when_rows_have_no_common_marked_prefix_then_they_prefill_in_full(rows: list[Ct2Row]) -> None:
    prefixes = PrefixStates(4)
    assert Ct2Engine._split_prefix(rows, tokens(rows), prefixes) == (tokens(rows), {})
    assert prefixes.info()["kept"] == 0


def test_when_the_limit_is_reached_then_new_prefixes_prefill_in_full_and_kept_ones_still_hit() -> None:
    prefixes = PrefixStates(2)
    assert prefixes.admit((1,)) and prefixes.admit((2,))
    assert not prefixes.admit((3,))
    assert prefixes.admit((1,))
    assert prefixes.info() == {"kept": 2, "hits": 1, "stored": 2, "full": 1}
    off = PrefixStates(0)
    assert not off.admit((1,)) and off.info()["kept"] == 0


def test_when_the_system_message_holds_only_the_rules_then_it_is_marked_shared() -> None:
    first = build_prompt("How long?", [source("a", "A fact.")], [], Persona(), PromptBudget())
    assert first.cached_prefix == 1 and first.messages[0][0] == "system"
    long = build_prompt("And now?", [source("a", "A fact.")], conversation(6), Persona(),
                        PromptBudget(history=400, recent_turns=4))
    assert long.summarised_turns and long.cached_prefix == 0  # a summary makes it this conversation's own


def test_when_sent_then_the_marked_prefix_travels_and_must_leave_a_message() -> None:
    request = GenerationRequest((("system", "rules"), ("user", "q")), 8, cached_prefix=1)
    payload = request_payload(request, True)
    assert GenerateRequest.model_validate(payload).cached_prefix == 1
    with pytest.raises(ValidationError):
        GenerateRequest.model_validate({**payload, "cached_prefix": 2})
