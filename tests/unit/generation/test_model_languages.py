"""Only the languages the model writes in are sent to it: a turn in another language gets the answering
sentences quoted at once, counted as the fallback "model_language", and cached like any settled answer."""

from __future__ import annotations

import pytest

from relaydesk.common import metrics
from relaydesk.events import ReplyDraft
from relaydesk.generation.config import GenerationSettings
from relaydesk.generation.core import handle
from unit.generation.generation_doubles import ScriptedGenerator, hit, make_deps, make_turn

REFUNDS_ZH = "退款会在5个工作日内退回到您的原支付方式。"


def only_draft(outputs: list) -> ReplyDraft:
    (draft,) = [o for o in outputs if isinstance(o, ReplyDraft)]
    return draft


def fallbacks(kind: str) -> float:
    return float(metrics.FALLBACKS.labels("generation", kind)._value.get())


def chinese_turn(lang: str | None = "zh"):
    return make_turn("退款需要多长时间？", lang=lang, hits=[hit("refunds-zh", REFUNDS_ZH, title="退款")])


@pytest.mark.parametrize("lang", ["zh", None])  # declared, or guessed from the text
async def test_when_turn_is_in_a_language_the_model_does_not_write_then_quote_without_a_model_call(
    lang: str | None,
) -> None:
    generator = ScriptedGenerator()
    before = fallbacks("model_language")
    draft = only_draft(await handle(chinese_turn(lang), make_deps(generator)))
    assert generator.requests == []
    assert draft.mode == "extractive" and draft.fallback_reason == "model_language"
    assert "5个工作日" in draft.text and draft.sources_used == ["refunds-zh"]
    assert fallbacks("model_language") == before + 1


@pytest.mark.parametrize("languages", [("*",), ("en", "zh"), ("EN", " Zh ")])
async def test_when_model_languages_name_the_turns_language_then_model_is_asked(
    languages: tuple[str, ...],
) -> None:
    generator = ScriptedGenerator(REFUNDS_ZH)
    draft = only_draft(await handle(chinese_turn(), make_deps(generator, model_languages=languages)))
    assert len(generator.requests) == 1 and draft.mode == "generated"


async def test_when_english_turn_then_default_languages_ask_the_model() -> None:
    generator = ScriptedGenerator()
    draft = only_draft(await handle(make_turn(), make_deps(generator)))
    assert len(generator.requests) == 1 and draft.mode == "generated"


@pytest.mark.parametrize("languages", [(), (" ",)])
async def test_when_model_languages_name_none_then_every_answer_is_quoted(languages: tuple[str, ...]) -> None:
    generator = ScriptedGenerator()
    draft = only_draft(await handle(make_turn(), make_deps(generator, model_languages=languages)))
    assert generator.requests == [] and draft.mode == "extractive" and draft.fallback_reason == "model_language"


def test_when_model_languages_come_from_the_environment_then_json_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELAYDESK_GENERATION_MODEL_LANGUAGES", '["en", "id"]')
    settings = GenerationSettings()
    assert settings.answers_in("id") and settings.answers_in("en") and not settings.answers_in("ja")
