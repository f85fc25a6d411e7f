"""Agent assist, pure: a customer turn of a held conversation in; suggestions for the agent out.

Two steps, so the agent sees something at once:
1. quick (published through `deps.sink` as soon as it is built): the knowledge cards behind the turn (the
   retrieved passages, with their documents) and an extractive draft from the best passage;
2. full (the core's output): the same plus the model's draft, when it is grounded in the passages. A slow or
   failed model leaves the quick suggestions standing.
Turns of conversations the bot holds are skipped: generation answers those."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Protocol

from relaydesk.assist.config import AssistSettings
from relaydesk.events.agent import AssistSuggestions, Suggestion, SuggestionSource
from relaydesk.events.conversation import TurnAnnotated
from relaydesk.events.envelope import Envelope
from relaydesk.generation.fallback import extractive_answer
from relaydesk.generation.grounding import check_grounding, clean_answer
from relaydesk.generation.holds import ConversationHolds
from relaydesk.generation.ports import GenerationRequest, SourceSnippet, TextGenerator
from relaydesk.generation.prompt import Persona, PromptBudget, build_prompt
from relaydesk.generation.sources import snippets
from relaydesk.nlu.lang import turn_lang

log = logging.getLogger(__name__)

STAGE = "assist"
AGENT_PERSONA = (
    "You draft a reply for a contact-centre agent to send to the customer. Use only the passages. Be brief, "
    "polite and concrete."
)


class SuggestionSink(Protocol):
    async def emit(self, suggestions: AssistSuggestions) -> None: ...


@dataclass
class AssistDeps:
    holds: ConversationHolds
    generator: TextGenerator | None = None  # None: cards and extractive drafts only
    sink: SuggestionSink | None = None  # None: the quick suggestions are not published on their own
    settings: AssistSettings = field(default_factory=AssistSettings)


async def handle(event: TurnAnnotated, deps: AssistDeps) -> list[Envelope]:
    if event.turn.speaker != "customer" or not deps.holds.is_held(event.conversation_id):
        return []
    settings = deps.settings
    sources = snippets(event.retrieval.hits if event.retrieval else [])
    lang = turn_lang(event.turn.lang, event.turn.text)
    untrusted = bool(event.guard and event.guard.attack.detected)
    quick = _cards(sources, settings)
    extract = extractive_answer(event.turn.text, sources, settings.draft_chars, lang, trust_question=not untrusted)
    if extract is not None:
        quick.insert(0, Suggestion(text=extract.passage, kind="draft", sources=[_source(extract.source)]))
    first = _suggestions(event, quick, "quick")
    if deps.sink is not None and quick:
        await deps.sink.emit(first)
    if deps.generator is None or not settings.generate or not sources:
        return [] if deps.sink is not None and quick else [first]
    drafted = await _model_draft(event, sources, deps, untrusted)
    if drafted is None:
        return [] if deps.sink is not None and quick else [first]
    return [_suggestions(event, [drafted, *quick], "full")]


def _cards(sources: list[SourceSnippet], settings: AssistSettings) -> list[Suggestion]:
    cards: list[Suggestion] = []
    seen: set[str] = set()
    for source in sources:
        if source.doc_id in seen or len(cards) >= settings.cards:
            continue
        seen.add(source.doc_id)
        text = source.text.strip()
        if len(text) > settings.card_chars:
            text = text[: settings.card_chars - 1].rsplit(" ", 1)[0] + "…"
        cards.append(Suggestion(text=text, kind="card", sources=[_source(source)]))
    return cards


async def _model_draft(
    event: TurnAnnotated, sources: list[SourceSnippet], deps: AssistDeps, untrusted: bool
) -> Suggestion | None:
    settings = deps.settings
    assert deps.generator is not None
    prompt = build_prompt(event.turn.text, sources, [], Persona(persona=AGENT_PERSONA), PromptBudget(),
                          untrusted=untrusted)
    request = GenerationRequest(prompt.messages, settings.max_new_tokens, 0.0, f"assist-{event.event_id[:24]}",
                                cached_prefix=prompt.cached_prefix)
    parts: list[str] = []
    finish: str | None = None
    try:
        async with asyncio.timeout(settings.draft_timeout_s):
            async for chunk in deps.generator.stream(request):
                parts.append(chunk.delta)
                if chunk.done:
                    finish = chunk.finish_reason
                    break
    except Exception as exc:  # the quick suggestions already stand; the model's draft is a bonus
        log.warning("assist draft failed: %s", type(exc).__name__, extra={"event_id": event.event_id})
        return None
    answer = clean_answer("".join(parts), finish)
    question = "" if untrusted else event.turn.text
    grounding = check_grounding(answer, [s.text for s in prompt.sources], question, settings.min_support)
    if not answer or not grounding.supported:
        why = "empty" if not answer else "ungrounded"
        log.info("assist draft dropped: %s", why, extra={"event_id": event.event_id})
        return None
    used = [prompt.sources[i] for i in grounding.source_indices] or list(prompt.sources[:1])
    return Suggestion(text=answer[: settings.draft_chars], kind="draft",
                      sources=list({s.doc_id: _source(s) for s in used}.values()))


def _source(snippet: SourceSnippet) -> SuggestionSource:
    return SuggestionSource(doc_id=snippet.doc_id, title=snippet.title or snippet.doc_id)


def _suggestions(event: TurnAnnotated, items: list[Suggestion], step: str) -> AssistSuggestions:
    return AssistSuggestions(
        **event.caused(STAGE, step),  # type: ignore[arg-type]
        turn_id=event.turn.turn_id,
        received_at=event.received_at,
        items=items,
    )
