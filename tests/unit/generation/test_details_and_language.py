"""Customer details in a turn: a security notice for card and identity numbers, the turn continues the topic,
and replies speak the customer's language even when the turn did not declare one."""

from __future__ import annotations

import pytest

from relaydesk.events import Attack, Entity, GuardAnnotation, ReplyDraft
from relaydesk.generation.core import handle
from relaydesk.generation.fallback import with_security_notice
from relaydesk.generation.ports import HistoryTurn
from relaydesk.generation.sources import is_follow_up
from unit.generation.generation_doubles import ScriptedGenerator, make_deps, make_turn


def only_draft(outputs: list) -> ReplyDraft:
    (draft,) = [o for o in outputs if isinstance(o, ReplyDraft)]
    return draft


def guard(*types: str) -> GuardAnnotation:
    return GuardAnnotation(
        redacted=bool(types), pii=[Entity(type=t, start=0, end=4) for t in types], attack=Attack(detected=False, score=0.0)
    )


@pytest.mark.parametrize(
    ("types", "lang", "lead"),
    [
        # a card number: PCI says don't collect it in chat, and the customer should know it was removed
        (("CREDIT_CARD",), "en", "For your security"),
        # an Indonesian NIK, answered in Indonesian
        (("ID_NIK",), "id", "Demi keamanan Anda"),
        # a Chinese resident id, answered in Chinese
        (("CN_RESIDENT_ID",), "zh", "为了您的安全"),
    ],
)
def test_when_sensitive_number_redacted_then_reply_leads_with_notice(types, lang, lead) -> None:
    assert with_security_notice("Block the card in the app.", guard(*types), lang).startswith(lead)


@pytest.mark.parametrize(
    "annotation",
    [
        # an email address is contact data, not a secret: no lecture
        guard("EMAIL_ADDRESS"),
        # nothing found
        guard(),
        # no guard annotation at all
        None,
    ],
)
def test_when_no_sensitive_number_then_reply_unchanged(annotation) -> None:
    assert with_security_notice("Block the card in the app.", annotation, "en") == "Block the card in the app."


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # only details, redacted by the guard: the same topic goes on
        ("The number was <CREDIT_CARD> and my email is <EMAIL_ADDRESS>", True),
        # a new, self-contained question
        ("How do I change my address for deliveries?", False),
    ],
)
def test_when_turn_supplies_details_then_follow_up(question: str, expected: bool) -> None:
    history = [
        HistoryTurn(turn_id="t1", role="customer", text="I lost my card"),
        HistoryTurn(turn_id="t1", role="assistant", text="Block it in the app."),
    ]
    assert is_follow_up(question, history) is expected


async def test_when_card_number_in_turn_then_draft_carries_notice() -> None:
    deps = make_deps()
    event = make_turn("My card <CREDIT_CARD> was stolen, how long do refunds take?")
    event = event.model_copy(update={"guard": guard("CREDIT_CARD")})
    draft = only_draft(await handle(event, deps))
    assert draft.text.startswith("For your security") and "<CREDIT_CARD>" not in draft.text


async def test_when_turn_has_no_lang_then_fallback_speaks_its_language() -> None:
    # ungrounded, so the extractive fallback answers (the model is asked in every language here)
    deps = make_deps(ScriptedGenerator("I am not sure."), model_languages=("*",))
    draft = only_draft(await handle(make_turn("退款需要多长时间？", lang=None), deps))
    assert draft.mode == "extractive" and draft.text.startswith("帮助中心的说明：")
