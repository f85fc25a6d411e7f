"""The reply path in one process, for the reply eval: the knowledge indexed into a throwaway Qdrant Edge
store, then each question through the stage cores the stack runs, in the stack's order (guard, intent,
emotion, retrieval, generation, compliance), each wired by its own `bootstrap` from the configured settings.

Generation runs twice per question on the same annotated turn: once with the model (the `GenerationServer`
class the Serve deployment wraps, in this process: same engine, batching and settings, no Ray), and once with
the model off, which is the extractive-only baseline: the generation core then answers as it does when its
model service is unavailable, with the sentences of the best passage, or hands off. The semantic cache is off
in both, so every answer is computed for its own question.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from relaydesk.compliance import core as compliance
from relaydesk.compliance.bootstrap import build_deps as compliance_deps
from relaydesk.embedding import build_embedder
from relaydesk.emotion import core as emotion
from relaydesk.emotion.bootstrap import build_deps as emotion_deps
from relaydesk.evaluation.outcome import BASELINE, SYSTEM, ArmReply, Outcome
from relaydesk.evaluation.questions import ReplyQuestion
from relaydesk.events import ConversationTurn, Reply, ReplyDraft, TurnAnnotated
from relaydesk.generation import core as generation
from relaydesk.generation.bootstrap import build_deps as generation_deps
from relaydesk.generation.config import GenerationSettings
from relaydesk.generation.ports import GenerationChunk, GenerationRequest, GenerationUnavailable, TextGenerator
from relaydesk.guard import core as guard
from relaydesk.guard.bootstrap import build_deps as guard_deps
from relaydesk.intent import core as intent
from relaydesk.intent.adapters.embedder import build_stage_embedder
from relaydesk.intent.bootstrap import build_deps as intent_deps
from relaydesk.intent.config import IntentSettings
from relaydesk.knowledge.bootstrap import build_deps as knowledge_deps
from relaydesk.knowledge.config import KnowledgeSettings
from relaydesk.knowledge.documents import Document
from relaydesk.retrieval import core as retrieval
from relaydesk.retrieval.bootstrap import build_deps as retrieval_deps
from relaydesk.retrieval.config import RetrievalSettings
from relaydesk.retrieval.evaluation import index_documents
from relaydesk.vectorstore.edge import EdgeVectorStore

TENANT = "eval"
Progress = Callable[[str], None]


class ModelOff:
    """Generation with no model: every request is unavailable at once, so the generation core takes its
    extractive path. This is the baseline's one difference from the system."""

    async def stream(self, request: GenerationRequest) -> AsyncIterator[GenerationChunk]:
        raise GenerationUnavailable("the extractive-only baseline has no model")
        yield GenerationChunk()  # pragma: no cover  (makes this an async generator)


@dataclass
class ReplyPipeline:
    guard: guard.GuardDeps
    intent: intent.IntentDeps
    emotion: emotion.EmotionDeps
    retrieval: retrieval.RetrievalDeps
    compliance: compliance.ComplianceDeps
    arms: dict[str, generation.GenerationDeps]
    model_id: str
    embedder_id: str
    close: Callable[[], None]

    async def answer(self, question: ReplyQuestion) -> Outcome:
        turn = ConversationTurn(
            tenant_id=TENANT, conversation_id=f"eval-{question.id}", turn_id="t1", channel="webchat",
            speaker="customer", text=question.question, lang=question.lang,
        )
        timings: dict[str, float] = {}
        event = _timed(timings, "guard", lambda: _one(guard.handle(turn, self.guard), TurnAnnotated))
        event = _timed(timings, "intent", lambda: _one(intent.handle(event, self.intent), TurnAnnotated))
        event = _timed(timings, "emotion", lambda: _one(emotion.handle(event, self.emotion), TurnAnnotated))
        event = _timed(timings, "retrieval", lambda: _one(retrieval.handle(event, self.retrieval), TurnAnnotated))
        hits = event.retrieval.hits if event.retrieval else []
        outcome = Outcome(
            question=question, upstream_ms=timings, top_doc=hits[0].doc_id if hits else None,
            intent_label=event.intent.label if event.intent else None,
            intent_out_of_scope=bool(event.intent and event.intent.out_of_scope),
        )
        for name, deps in self.arms.items():
            started = time.perf_counter()
            draft = _one(await generation.handle(event, deps), ReplyDraft)
            generation_ms = (time.perf_counter() - started) * 1e3
            started = time.perf_counter()
            reply = _one(compliance.handle(draft, self.compliance), Reply)
            outcome.arms[name] = ArmReply(
                text=reply.text, mode=reply.mode, fallback_reason=draft.fallback_reason,
                verdict=reply.compliance.verdict, handoff=reply.handoff, sources_used=tuple(draft.sources_used),
                generation_ms=generation_ms, compliance_ms=(time.perf_counter() - started) * 1e3,
            )
        return outcome


def _one(outputs: Sequence[Any], kind: type) -> Any:
    for out in outputs:
        if isinstance(out, kind):
            return out
    raise RuntimeError(f"the stage produced no {kind.__name__}")


def _timed(timings: dict[str, float], stage: str, call: Callable[[], Any]) -> Any:
    started = time.perf_counter()
    out = call()
    timings[stage] = (time.perf_counter() - started) * 1e3
    return out


def build_pipeline(docs: Sequence[Document], generator: TextGenerator | None, progress: Progress) -> ReplyPipeline:
    """Every stage from its bootstrap and the environment's settings; the knowledge indexed through the
    knowledge core. `generator`: the model for the system arm (None: the in-process GenerationServer)."""
    tmp = tempfile.TemporaryDirectory(prefix="relaydesk-eval-replies-")
    store = EdgeVectorStore(tmp.name)
    try:
        rsettings = RetrievalSettings()
        progress(f"loading the retrieval embedder {rsettings.embedder_backend}:{rsettings.embedder_model}")
        kb_embedder = build_embedder(rsettings.embedder_spec())
        # The knowledge worker's wiring, with vectors written inline so every document is searchable at once.
        kdeps = knowledge_deps(KnowledgeSettings(dense_mode="inline"), embedder=kb_embedder, store=store)
        index_documents(docs, kdeps, tenant=TENANT, progress=progress)
        rdeps = retrieval_deps(rsettings, embedder=kb_embedder, store=store)
        progress("loading guard (PII redactor, injection classifier)")
        gdeps = guard_deps()
        isettings = IntentSettings()
        nlu_embedder = build_stage_embedder(isettings.embedder_backend, isettings.embedder_model,
                                            isettings.embedder_threads, isettings.embedding_cache_size)
        progress("loading intent and emotion")
        ideps = intent_deps(isettings, embedder=nlu_embedder)
        edeps = emotion_deps(embedder=nlu_embedder)
        cdeps = compliance_deps()
        settings = GenerationSettings().model_copy(update={"cache_enabled": False})
        if generator is None:
            progress("loading the generation model in this process (GenerationServer)")
            generator = in_process_generator()
        model_id = _model_id(generator)
        arms = {
            SYSTEM: generation_deps(settings, generator=generator),
            BASELINE: generation_deps(settings, generator=ModelOff()),
        }
    except BaseException:
        store.close()
        tmp.cleanup()
        raise

    def close() -> None:
        store.close()
        tmp.cleanup()

    return ReplyPipeline(
        guard=gdeps, intent=ideps, emotion=edeps, retrieval=rdeps,
        compliance=cdeps, arms=arms, model_id=model_id, embedder_id=kb_embedder.model_id, close=close,
    )


def in_process_generator() -> TextGenerator:
    """The Serve deployment's class, constructed here with the configured settings."""
    from relaydesk.generation.adapters.in_process import InProcessGenerator
    from relaydesk.generation.serve_app import GenerationServer

    return InProcessGenerator(GenerationServer())


def _model_id(generator: TextGenerator) -> str:
    server = getattr(generator, "server", None)
    return str(server.info()["model"]) if server is not None else type(generator).__name__


async def answer_all(
    pipeline: ReplyPipeline, questions: Sequence[ReplyQuestion], concurrency: int, progress: Progress,
    on_outcome: Callable[[int, Outcome], None] | None = None,
) -> list[Outcome]:
    """Every question, `concurrency` at a time (1: one after another, each turn's latency its own)."""
    gate = asyncio.Semaphore(max(1, concurrency))
    results: list[Outcome | None] = [None] * len(questions)

    async def one(i: int, q: ReplyQuestion) -> None:
        async with gate:
            results[i] = await pipeline.answer(q)
        if on_outcome is not None:
            on_outcome(i, results[i])  # type: ignore[arg-type]

    await asyncio.gather(*(one(i, q) for i, q in enumerate(questions)))
    return [r for r in results if r is not None]
