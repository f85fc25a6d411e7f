"""The generation stage, pure: a customer turn with its annotations in, a reply draft (and maybe a hand-off)
out. All I/O goes through `GenerationDeps`, and every awaited call has a deadline, so a slow model, cache or
partial sink degrades the reply and never blocks the partition.

Order of decisions for a customer turn:
1. hand off at once when the customer asks for a person, emotion says escalate, or (if the tenant wants it)
   the guard flagged an injection attempt;
2. no usable passages (no hits, nothing to carry over from the previous answer): hand off;
3. a cached approved reply for a similar question whose documents are unchanged: reuse it;
   Before that, the passages' sentences are ranked against the question; when the turn is out of scope or
   no sentence really answers, say so in the customer's language, name the closest topics and hand off
   ("I don't know" well, `dont_know.py`) rather than paste an unrelated article;
4. generate (streaming partials) from a prompt holding only the best sentences, tidy, check grounding
   (contradictions included); on timeout, failure or an answer the check cannot vouch for, quote the one or
   two sentences that answer (extractive), or hand off when there are none.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from relaydesk.common import metrics
from relaydesk.consent.confirmation import is_opt_out_turn, opt_out_confirmation
from relaydesk.events.annotations import StageTiming
from relaydesk.events.conversation import TurnAnnotated
from relaydesk.events.envelope import Envelope
from relaydesk.events.ids import handoff_id
from relaydesk.events.knowledge import KnowledgeApplied
from relaydesk.events.reply import (
    CacheInfo,
    GenerationStats,
    Handoff,
    HandoffCategory,
    HandoffReason,
    Reply,
    ReplyDraft,
    ReplyMode,
    reply_id_for,
)
from relaydesk.events.tenant import TenantConfig
from relaydesk.generation.answer_kind import lead_figure_failure
from relaydesk.generation.answer_sentences import (
    RankedSentence,
    focus_sources,
    lead_sentence,
    rank_sentences,
    same_language,
    source_sentences,
)
from relaydesk.generation.cache import (
    PendingReplies,
    PendingReply,
    choose_cached,
    clamp_similarity,
    question_kind,
    question_signature,
)
from relaydesk.generation.config import GenerationSettings
from relaydesk.generation.dont_know import dont_know_text, unanswered
from relaydesk.generation.fallback import (
    KNOWLEDGE_UNAVAILABLE,
    extractive_answer,
    handoff_priority,
    handoff_summary,
    handoff_text,
    record_fallback,
    record_ungrounded,
    with_security_notice,
)
from relaydesk.generation.grounding import check_grounding, clean_answer, cut_off, settled_failure
from relaydesk.generation.holds import ConversationHolds
from relaydesk.generation.ports import (
    CacheScope,
    CacheStore,
    Clock,
    ConversationHistory,
    GenerationChunk,
    GenerationRejected,
    GenerationRequest,
    GenerationUnavailable,
    HistoryTurn,
    PartialSink,
    SentenceScorer,
    SourceSnippet,
    SystemClock,
    TextGenerator,
)
from relaydesk.generation.prompt import DEFAULT_PERSONA, Persona, PromptBudget, build_prompt
from relaydesk.generation.retrieved_scores import retrieved_scores
from relaydesk.generation.sources import is_follow_up, select_sources
from relaydesk.generation.streaming import PartialStream
from relaydesk.nlu.lang import turn_lang
from relaydesk.nlu.person_request import asks_about_hours, asks_for_person

log = logging.getLogger(__name__)

_DEFAULT_HANDOFF_ON = ("escalation", "customer_request")
# A streamed piece that may end a sentence (then the finished sentences are checked while decoding goes on).
_SENTENCE_BREAK = re.compile(r"[.!?。！？\n]")
HUMAN_AGENT_INTENT = "human_agent"


@dataclass
class GenerationDeps:
    generator: TextGenerator
    history: ConversationHistory
    settings: GenerationSettings = field(default_factory=GenerationSettings)
    partials: PartialSink | None = None  # None: no streaming
    cache: CacheStore | None = None  # None: no semantic cache
    clock: Clock = field(default_factory=SystemClock)
    tenants: dict[str, TenantConfig] = field(default_factory=dict)
    pending: PendingReplies | None = None
    holds: ConversationHolds | None = None  # None: the bot answers every turn (no hand-off state known)
    sentence_scorer: SentenceScorer | None = None  # None: sentences are ranked by shared words only

    def __post_init__(self) -> None:
        if self.pending is None:
            self.pending = PendingReplies(self.settings.pending_capacity)


@dataclass
class _Outcome:
    text: str
    mode: ReplyMode
    sources: list[SourceSnippet] = field(default_factory=list)
    fallback_reason: str | None = None
    handoff_reason: HandoffReason | None = None
    cache: CacheInfo = field(default_factory=lambda: CacheInfo(hit=False))
    stats: GenerationStats = field(default_factory=GenerationStats)
    streamed: bool = False


@dataclass
class _Turn:
    event: TurnAnnotated
    reply_id: str
    history: list[HistoryTurn]
    tenant: TenantConfig | None
    untrusted: bool
    lang: str = "en"  # declared, else guessed: picks fallback texts and scopes the cache
    follow_up: bool = False
    cache_scope: CacheScope | None = None
    vector: Any = None


def apply_tenant_config(cfg: TenantConfig, deps: GenerationDeps) -> bool:
    """Hot-reload a tenant's persona, rules and hand-off policy. Older revisions are ignored."""
    current = deps.tenants.get(cfg.tenant_id)
    if current is not None and current.revision >= cfg.revision:
        return False
    deps.tenants[cfg.tenant_id] = cfg
    return True


async def handle(event: TurnAnnotated, deps: GenerationDeps) -> list[Envelope]:
    started = deps.clock.monotonic()
    conversation_id = event.conversation_id
    turn = event.turn
    if turn.speaker != "customer":
        # An agent or bot turn is part of the conversation, but needs no reply.
        _remember(deps, conversation_id, HistoryTurn(turn_id=turn.turn_id, role="assistant", text=turn.text))
        return []
    assert deps.pending is not None
    if deps.pending.answered(reply_id_for(conversation_id, turn.turn_id)):
        return []  # a redelivered turn whose reply is already out: generating again would only be deduped
    if deps.holds is not None and deps.holds.is_held(conversation_id):
        # Bot silence: a person holds this conversation; the turn still reaches them (and assist).
        _remember(deps, conversation_id, HistoryTurn(turn_id=turn.turn_id, role="customer", text=turn.text))
        log.info("turn left to the agent", extra={"conversation_id": conversation_id, "turn_id": turn.turn_id})
        return []
    ctx = _Turn(
        event=event,
        reply_id=reply_id_for(conversation_id, turn.turn_id),
        # A redelivered turn must not see itself (or what followed it) as history.
        history=_history_before(_recall(deps, conversation_id), turn.turn_id),
        tenant=deps.tenants.get(event.tenant_id),
        untrusted=bool(event.guard and event.guard.attack.detected),
        lang=turn_lang(turn.lang, turn.text),
    )
    outcome = await _respond(ctx, deps)
    outputs: list[Envelope] = [_draft(ctx, outcome, deps, started)]
    if outcome.handoff_reason is not None:
        outputs.append(_handoff(ctx, outcome.handoff_reason))
        if deps.holds is not None:
            deps.holds.mark_queued(conversation_id)
    _remember(deps, conversation_id, HistoryTurn(turn_id=turn.turn_id, role="customer", text=turn.text))
    assert deps.pending is not None
    cacheable = ctx.cache_scope is not None and _worth_caching(outcome, deps.settings)
    terms, keys = question_signature(turn.text) if cacheable else ([], [])
    deps.pending.put(ctx.reply_id, PendingReply(
        tenant_id=event.tenant_id,
        conversation_id=conversation_id,
        sources=outcome.sources,
        kb_version=event.retrieval.kb_version if event.retrieval else 0,
        vector=ctx.vector if cacheable else None,
        scope=ctx.cache_scope,
        cacheable=cacheable,
        question_terms=terms,
        question_keys=keys,
        question_kind=question_kind(turn.text) if cacheable else None,
    ))
    log.info("reply drafted", extra={"reply_id": ctx.reply_id, "mode": outcome.mode,
                                     "fallback_reason": outcome.fallback_reason,
                                     "handoff_reason": outcome.handoff_reason})
    return outputs


CACHEABLE_MODES = ("generated", "extractive")
# Model outcomes that repeat for the same question and sources under greedy decoding (temperature 0): the
# extractive answer that replaced them is worth reusing. An answer cut off by the token limit would be cut off
# again. A timeout or an unavailable replica is transient and is not cached.
REPEATING_FAILURES = frozenset({"ungrounded", "empty", "incomplete"})
# Outcomes decided before any model call: the same question in the same language always gets them.
SETTLED_FALLBACKS = frozenset({"model_language"})


def _worth_caching(outcome: _Outcome, settings: GenerationSettings) -> bool:
    if outcome.mode == "generated":
        return True
    if outcome.mode != "extractive":
        return False
    reason = outcome.fallback_reason
    return reason in SETTLED_FALLBACKS or (reason in REPEATING_FAILURES and settings.temperature == 0.0)


async def on_reply(reply: Reply, deps: GenerationDeps) -> None:
    """A reply passed (or failed) compliance: remember the answer for follow-ups, and cache it when it is an
    approved answer to a self-contained question (generated, or extractive because the model's answer was not
    grounded: asking the model again would fail the same way)."""
    assert deps.pending is not None
    pending = deps.pending.pop(reply.reply_id)
    verdict = reply.compliance.verdict
    if verdict != "blocked" and reply.conversation_id is not None:
        _remember(deps, reply.conversation_id, HistoryTurn(
            turn_id=reply.turn_id, role="assistant", text=reply.text,
            sources=pending.sources if pending else [],
        ))
    if pending is None or deps.cache is None or verdict != "pass" or reply.mode not in CACHEABLE_MODES:
        return
    entry = pending.entry(reply.reply_id, reply.text, reply.generation.model)
    if entry is None or pending.vector is None:
        return
    try:
        await asyncio.wait_for(
            asyncio.to_thread(deps.cache.put, entry, pending.vector), deps.settings.cache_timeout_s
        )
    except Exception as exc:  # a reply that is not cached is only a missed saving
        record_fallback("cache_write")
        log.warning("cache put failed", extra={"reply_id": reply.reply_id, "error_type": type(exc).__name__})


async def on_knowledge_applied(applied: KnowledgeApplied, deps: GenerationDeps) -> None:
    """A document changed or was deleted: cached replies built on it go, and drafts waiting for their
    verdict no longer qualify. Errors propagate, so the stage runner retries the event."""
    if applied.status != "applied":
        return
    assert deps.pending is not None
    deps.pending.drop_doc(applied.tenant_id, applied.doc_id)
    if deps.cache is not None:
        await asyncio.wait_for(
            asyncio.to_thread(deps.cache.invalidate_doc, applied.tenant_id, applied.doc_id),
            deps.settings.cache_timeout_s,
        )


# --- the decision ---------------------------------------------------------------------------------------


async def _respond(ctx: _Turn, deps: GenerationDeps) -> _Outcome:
    settings = deps.settings
    event = ctx.event
    if is_opt_out_turn(event.turn):  # outbound consent revoked: confirm once and end the pitch
        return _Outcome(text=opt_out_confirmation(ctx.lang), mode="generated")
    reason = _immediate_handoff(ctx)
    if reason is not None:
        return _handoff_outcome(ctx, reason)
    ctx.follow_up = is_follow_up(event.turn.text, ctx.history)
    hits = event.retrieval.hits if event.retrieval else []
    sources = select_sources(hits, ctx.history, ctx.follow_up, settings.max_sources)
    if event.retrieval is not None and event.retrieval.error:
        record_fallback("knowledge_unavailable")  # the store failed: answer from earlier passages or hand off
        if not sources:
            return _unavailable_outcome(ctx)
    if not sources:
        return _handoff_outcome(ctx, "no_knowledge")
    ranked, by_vectors = await _rank(ctx, sources, deps)
    if not ctx.follow_up and not ctx.untrusted:  # a follow-up leans on the previous answer's passage
        why = unanswered(event.turn.text, sources, ranked, event.intent, by_vectors)
        if why is not None:
            return _dont_know_outcome(ctx, why, sources)
    cache_info = CacheInfo(hit=False)
    if deps.cache is not None and settings.cache_enabled:
        _prepare_cache_scope(ctx)
        if ctx.cache_scope is not None:
            cached, cache_info = await _cache_lookup(ctx, deps)
            if cached is not None:
                return cached
    if settings.answers_in(ctx.lang):
        outcome = await _generate(ctx, sources, ranked, deps)
    else:  # a language the model does not write well: quote the answering sentences, with no model call
        outcome = _fallback(ctx, sources, ranked, "model_language", GenerationStats(), False, deps)
    outcome.cache = cache_info
    return outcome


async def _rank(
    ctx: _Turn, sources: list[SourceSnippet], deps: GenerationDeps
) -> tuple[list[RankedSentence], bool]:
    """The passages' sentences, best first, and whether embedder similarities ranked them. An untrusted
    question does not steer the choice: retrieval order does."""
    question = "" if ctx.untrusted else ctx.event.turn.text
    scores = await _vector_scores(ctx, question, sources, deps) if question else None
    return rank_sentences(question, sources, scores), scores is not None


async def _vector_scores(
    ctx: _Turn, question: str, sources: list[SourceSnippet], deps: GenerationDeps
) -> list[list[float]] | None:
    mode = deps.settings.sentence_vectors
    embedding = ctx.event.embedding
    if mode == "off":
        return None
    if mode == "cross_lingual" and any(same_language(question, f"{s.title}. {s.text}") for s in sources):
        return None
    split = source_sentences(sources)
    if deps.settings.sentence_scores_from_retrieval:
        reused = retrieved_scores(ctx.event.retrieval, sources, split)
        if reused is not None:
            return reused
    if deps.sentence_scorer is None or embedding is None:
        return None
    flat = [sentence for parts in split for sentence in parts]
    try:
        scores = await asyncio.wait_for(
            asyncio.to_thread(
                deps.sentence_scorer.similarities, embedding.vector(), embedding.model, flat, question
            ),
            deps.settings.sentence_vectors_timeout_s,
        )
    except Exception as exc:  # ranking by shared words is the defined degradation
        record_fallback("sentence_vectors")
        log.warning("sentence scoring failed", extra={"reply_id": ctx.reply_id, "error_type": type(exc).__name__})
        return None
    if scores is None:
        return None
    out: list[list[float]] = []
    cursor = 0
    for parts in split:
        out.append([float(x) for x in scores[cursor : cursor + len(parts)]])
        cursor += len(parts)
    return out


def _immediate_handoff(ctx: _Turn) -> HandoffReason | None:
    event = ctx.event
    allowed = set(ctx.tenant.handoff_on) if ctx.tenant else set(_DEFAULT_HANDOFF_ON)
    # An explicit request for a person is its own signal and wins over whatever the top intent is.
    # The intent alone does not ask for a person when the question is when people are available: it is answered.
    labelled = event.intent is not None and event.intent.label == HUMAN_AGENT_INTENT
    asked = asks_for_person(event.turn.text) or (labelled and not asks_about_hours(event.turn.text))
    if asked and "customer_request" in allowed:
        return "customer_request"
    if event.emotion is not None and event.emotion.escalate and "escalation" in allowed:
        return "escalation"
    if ctx.untrusted and "attack" in allowed:
        return "attack"
    return None


def _prepare_cache_scope(ctx: _Turn) -> None:
    """Only self-contained questions use the cache: a follow-up's meaning depends on the conversation, and
    a flagged turn's answer must not be stored for anyone else."""
    event = ctx.event
    if event.embedding is None or ctx.follow_up or ctx.untrusted:
        return
    ctx.vector = event.embedding.vector()
    ctx.cache_scope = CacheScope(
        tenant_id=event.tenant_id,
        lang=ctx.lang,
        config_revision=ctx.tenant.revision if ctx.tenant else 0,
        embed_model=event.embedding.model,
    )


async def _cache_lookup(ctx: _Turn, deps: GenerationDeps) -> tuple[_Outcome | None, CacheInfo]:
    assert deps.cache is not None and ctx.cache_scope is not None
    started = deps.clock.monotonic()
    try:
        candidates = await asyncio.wait_for(
            asyncio.to_thread(deps.cache.lookup, ctx.cache_scope, ctx.vector, 3), deps.settings.cache_timeout_s
        )
    except Exception as exc:  # the cache is an optimisation: without it, generate
        record_fallback("cache_read")
        log.warning("cache lookup failed", extra={"reply_id": ctx.reply_id, "error_type": type(exc).__name__})
        return None, CacheInfo(hit=False)
    hits = ctx.event.retrieval.hits if ctx.event.retrieval else []
    decision = choose_cached(candidates, hits, ctx.event.turn.text, deps.settings.cache_threshold)
    similarity = clamp_similarity(decision.similarity)
    if decision.entry is None:
        return None, CacheInfo(hit=False, similarity=similarity)
    entry = decision.entry
    by_doc = {h.doc_id: h for h in hits}
    sources = [
        SourceSnippet(doc_id=s.doc_id, chunk_id=s.chunk_id or by_doc[s.doc_id].chunk_id, title=s.title,
                      text=by_doc[s.doc_id].text, version=s.version, score=by_doc[s.doc_id].score)
        for s in entry.sources
    ]
    latency = (deps.clock.monotonic() - started) * 1000.0
    return _Outcome(
        text=entry.text, mode="cached", sources=sources, cache=CacheInfo(hit=True, similarity=similarity),
        stats=GenerationStats(model=entry.model, latency_ms=latency),
    ), CacheInfo(hit=True, similarity=similarity)


async def _generate(
    ctx: _Turn, sources: list[SourceSnippet], ranked: list[RankedSentence], deps: GenerationDeps
) -> _Outcome:
    settings = deps.settings
    event = ctx.event
    focused = focus_sources(sources, ranked, settings.prompt_sentences)
    prompt = build_prompt(
        event.turn.text, focused, ctx.history, _persona(ctx.tenant), _budget(settings), untrusted=ctx.untrusted,
        lang=ctx.lang,
    )
    request = GenerationRequest(prompt.messages, settings.max_new_tokens, settings.temperature, ctx.reply_id,
                                cached_prefix=prompt.cached_prefix)
    stream = PartialStream(
        deps.partials, _caused(event), event.turn.turn_id, ctx.reply_id,
        settings.stream_coalesce_tokens, settings.partial_emit_timeout_s,
    )
    question = "" if ctx.untrusted else event.turn.text
    source_texts = [s.text for s in prompt.sources]
    started = deps.clock.monotonic()
    ttft: float | None = None
    parts: list[str] = []
    end: GenerationChunk | None = None
    failure: str | None = None
    try:
        async with asyncio.timeout(settings.request_timeout_s):
            chunks = deps.generator.stream(request)
            try:
                async for chunk in chunks:
                    if chunk.delta:
                        if ttft is None:
                            ttft = (deps.clock.monotonic() - started) * 1000.0
                        parts.append(chunk.delta)
                        await stream.push(chunk.delta)
                        early = _settled_rejection(parts, chunk.delta, source_texts, question, settings)
                        if early is not None:  # a finished sentence already fails: stop decoding, quote instead
                            failure = "ungrounded"
                            record_ungrounded(early)
                            metrics.EARLY_STOPS.labels("generation", early).inc()
                            break
                    if chunk.done:
                        end = chunk
                        break
            finally:
                aclose = getattr(chunks, "aclose", None)
                if aclose is not None:
                    await aclose()
    except TimeoutError:
        failure = "timeout"
    except GenerationUnavailable:
        failure = "unavailable"
    except GenerationRejected:
        failure = "rejected"
    except Exception as exc:  # whatever the model service did, the customer still gets an answer
        failure = "error"
        log.warning("generation failed", extra={"reply_id": ctx.reply_id, "error_type": type(exc).__name__})
    stats = GenerationStats(
        model=end.model if end else None,
        prompt_tokens=end.prompt_tokens if end else 0,
        completion_tokens=end.completion_tokens if end else len(parts),
        ttft_ms=ttft,
        latency_ms=(deps.clock.monotonic() - started) * 1000.0,
    )
    if failure is None and end is None:
        failure = "incomplete"
    answer = clean_answer("".join(parts), end.finish_reason if end else None)
    if failure is None and end is not None and cut_off(answer, end.finish_reason):
        failure = "incomplete"
        record_ungrounded("cut_off")
    used: list[SourceSnippet] = []
    if failure is None:
        grounding = check_grounding(answer, source_texts, question, settings.min_support)
        if not answer:
            failure = "empty"
        elif not grounding.supported:
            failure = "ungrounded"
            record_ungrounded(grounding.reason or "unsupported_terms")
        used = [prompt.sources[i] for i in grounding.source_indices]
        if failure is None and ranked and (off := _off_lead(answer, question, ranked, sources, used)) is not None:
            failure = "ungrounded"
            record_ungrounded(off)
    if failure is None:
        await stream.end()
        return _Outcome(text=answer, mode="generated", sources=used, stats=stats, streamed=stream.streamed)
    await stream.retract(failure)
    # The whole passages, ranked: the prompt carried only some of their sentences.
    return _fallback(ctx, sources, ranked, failure, stats, stream.streamed, deps)


def _off_lead(
    answer: str, question: str, ranked: Sequence[RankedSentence], sources: Sequence[SourceSnippet],
    used: Sequence[SourceSnippet],
) -> str | None:
    """Why a grounded answer still cannot stand in for the quote: it mostly draws on another article than
    the one the quote would come from (the model wandered to a neighbouring passage: "Wrong PIN entered." for
    a payment sent to the wrong account), or it misses the quote's lead figures (`answer_kind`)."""
    lead = lead_sentence(ranked)
    if used and used[0].doc_id != sources[lead.source].doc_id:
        return "off_lead_source"
    return lead_figure_failure(answer, question, lead.text, [r.text for r in ranked if r is not lead])


def _settled_rejection(
    parts: Sequence[str], delta: str, sources: Sequence[str], question: str, settings: GenerationSettings
) -> str | None:
    """Checked only when this piece or the one before may have finished a sentence (a sentence is settled
    once the next one starts)."""
    before = parts[-2] if len(parts) > 1 else ""
    if not settings.stop_on_settled_failure or not (_SENTENCE_BREAK.search(delta) or _SENTENCE_BREAK.search(before)):
        return None
    return settled_failure("".join(parts), sources, question, settings.min_support)


def _fallback(
    ctx: _Turn, sources: Sequence[SourceSnippet], ranked: Sequence[RankedSentence], failure: str,
    stats: GenerationStats, streamed: bool, deps: GenerationDeps,
) -> _Outcome:
    event = ctx.event
    record_fallback(failure)
    extract = extractive_answer(
        event.turn.text, sources, deps.settings.extractive_max_chars, ctx.lang,
        trust_question=not ctx.untrusted, ranked=ranked,
    )
    if extract is None:
        outcome = _handoff_outcome(ctx, "generation_failed")
        outcome.fallback_reason, outcome.stats, outcome.streamed = failure, stats, streamed
        return outcome
    return _Outcome(
        text=extract.text, mode="extractive", sources=[extract.source], fallback_reason=failure, stats=stats,
        streamed=streamed,
    )


def _dont_know_outcome(ctx: _Turn, why: str, sources: Sequence[SourceSnippet]) -> _Outcome:
    """No passage answers (or the turn is out of scope): say so, name the closest topics, hand off. The
    draft carries why, and the count says how often."""
    record_fallback(why)
    return _Outcome(
        text=dont_know_text(ctx.lang, [s.title for s in sources]), mode="handoff", sources=list(sources),
        handoff_reason="no_knowledge", fallback_reason=why,
    )


def _unavailable_outcome(ctx: _Turn) -> _Outcome:
    """The knowledge store failed and nothing earlier in the conversation answers: a person takes the turn,
    and the draft says why (not "no knowledge": the knowledge may well exist)."""
    outcome = _handoff_outcome(ctx, "generation_failed")
    outcome.fallback_reason = KNOWLEDGE_UNAVAILABLE
    return outcome


def _handoff_outcome(ctx: _Turn, reason: HandoffReason) -> _Outcome:
    return _Outcome(
        text=handoff_text(reason, ctx.lang), mode="handoff", handoff_reason=reason,
        fallback_reason=reason if reason in ("no_knowledge", "generation_failed") else None,
    )


# --- building the events --------------------------------------------------------------------------------


def _draft(ctx: _Turn, outcome: _Outcome, deps: GenerationDeps, started: float) -> ReplyDraft:
    event = ctx.event
    timing = StageTiming(
        stage="generation", latency_ms=(deps.clock.monotonic() - started) * 1000.0, at=deps.clock.now()
    )
    return ReplyDraft(
        **_caused(event),
        turn_id=event.turn.turn_id,
        reply_id=ctx.reply_id,
        text=with_security_notice(outcome.text, event.guard, ctx.lang),
        mode=outcome.mode,
        fallback_reason=outcome.fallback_reason,
        sources_used=list(dict.fromkeys(s.doc_id for s in outcome.sources)),
        turn_text=event.turn.text,
        handoff=outcome.handoff_reason is not None,
        streamed=outcome.streamed,
        cache=outcome.cache,
        generation=outcome.stats,
        received_at=event.received_at,
        guard=event.guard,
        intent=event.intent,
        emotion=event.emotion,
        retrieval=event.retrieval,
        stages=[*event.stages, timing],
    )


def _handoff(ctx: _Turn, reason: HandoffReason) -> Handoff:
    event = ctx.event
    return Handoff(
        **_caused(event, event_id=handoff_id(ctx.reply_id)),
        turn_id=event.turn.turn_id,
        reply_id=ctx.reply_id,
        reason=reason,
        priority=handoff_priority(reason, event.emotion),
        summary=handoff_summary(
            reason, event.turn.text, ctx.history, event.intent, event.emotion, include_question=not ctx.untrusted
        ),
        intent=event.intent.label if event.intent else None,
        emotion=event.emotion.label if event.emotion else None,
        category=HANDOFF_CATEGORY.get(reason),
        language=ctx.lang,
        sentiment_trend=[round(x, 4) for x in (event.emotion.trend if event.emotion else [])][-20:],
        intents=[c.label for c in (event.intent.candidates if event.intent else [])][:10],
        cited_docs=list(dict.fromkeys(h.doc_id for h in (event.retrieval.hits if event.retrieval else [])))[:10],
        compliance_flags=sorted({e.type for e in event.guard.pii} | ({"attack"} if ctx.untrusted else set()))
        if event.guard else [],
    )


HANDOFF_CATEGORY: dict[str, HandoffCategory] = {
    "customer_request": "customer_request",
    "escalation": "escalation",
    "no_knowledge": "no_knowledge",
    "generation_failed": "low_confidence",
    "attack": "compliance_block",
    "blocked_reply": "compliance_block",
}


def _recall(deps: GenerationDeps, conversation_id: str) -> list[HistoryTurn]:
    """History makes answers better, not possible: without it the turn is answered on its own."""
    try:
        return deps.history.get(conversation_id)
    except Exception as exc:
        record_fallback("history_read")
        log.warning("history read failed", extra={"conversation_id": conversation_id,
                                                  "error_type": type(exc).__name__})
        return []


def _remember(deps: GenerationDeps, conversation_id: str, turn: HistoryTurn) -> None:
    try:
        deps.history.append(conversation_id, turn)
    except Exception as exc:
        record_fallback("history_write")
        log.warning("history write failed", extra={"conversation_id": conversation_id,
                                                   "error_type": type(exc).__name__})


def _caused(event: TurnAnnotated, **changes: object) -> dict[str, Any]:
    return dict(event.caused("generation", **changes))


def _history_before(history: Sequence[HistoryTurn], turn_id: str) -> list[HistoryTurn]:
    for i, turn in enumerate(history):
        if turn.turn_id == turn_id:
            return list(history[:i])
    return list(history)


def _persona(tenant: TenantConfig | None) -> Persona:
    if tenant is None:
        return Persona()
    return Persona(
        persona=tenant.persona.strip() or DEFAULT_PERSONA, display_name=tenant.display_name,
        rules=tuple(tenant.rules),
    )


def _budget(settings: GenerationSettings) -> PromptBudget:
    return PromptBudget(
        total=settings.prompt_token_budget,
        history=settings.history_token_budget,
        sources=settings.source_token_budget,
        recent_turns=settings.recent_turns,
        max_sources=settings.max_sources,
    )
