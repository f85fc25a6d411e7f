"""`relaydesk bench generation`: throughput and time to first token through Serve, the same model called
in-process, and the reply stage with the semantic cache on and off. All baselines are measured in the same
run, on the same workload (`bench_workload.jsonl`, a bank's help pages; not an evaluation set)."""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from relaydesk.generation.ports import GenerationRequest, SourceSnippet, TextGenerator
from relaydesk.generation.prompt import Persona, PromptBudget, build_prompt

SHORT_SYSTEM = "You are a helpful customer-support assistant."


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def load_workload() -> list[dict[str, str]]:
    text = resources.files("relaydesk.generation").joinpath("bench_workload.jsonl").read_text("utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def grounded_requests(n: int, max_new_tokens: int) -> list[GenerationRequest]:
    items = load_workload()
    out = []
    for i in range(n):
        item = items[i % len(items)]
        source = SourceSnippet(doc_id=item["doc_id"], chunk_id=item["doc_id"] + "#0", title=item["title"],
                               text=item["text"], version=1)
        prompt = build_prompt(item["question"], [source], [], Persona(), PromptBudget())
        out.append(GenerationRequest(prompt.messages, max_new_tokens, request_id=f"bench-{i}",
                                     cached_prefix=prompt.cached_prefix))
    return out


def short_requests(n: int, max_new_tokens: int) -> list[GenerationRequest]:
    items = load_workload()
    return [GenerationRequest((("system", SHORT_SYSTEM), ("user", items[i % len(items)]["question"])),
                              max_new_tokens, request_id=f"short-{i}") for i in range(n)]


@dataclass
class LoadResult:
    tokens: int = 0
    wall_s: float = 0.0
    ttfts_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # error types
    # per request, decode time per token after the first (at concurrency 1, one decode step)
    decode_ms_per_token: list[float] = field(default_factory=list)

    def add(self, other: LoadResult) -> LoadResult:
        return LoadResult(self.tokens + other.tokens, self.wall_s + other.wall_s,
                          self.ttfts_ms + other.ttfts_ms, self.errors + other.errors,
                          self.decode_ms_per_token + other.decode_ms_per_token)

    @property
    def tokens_per_s(self) -> float:
        return self.tokens / self.wall_s if self.wall_s > 0 else 0.0

    def ttft(self, q: float) -> float | None:
        return float(np.percentile(self.ttfts_ms, q)) if self.ttfts_ms else None


async def drive(generator: TextGenerator, requests: Sequence[GenerationRequest], concurrency: int) -> LoadResult:
    """`concurrency` callers, each sending its next request as soon as the previous one ends."""
    result = LoadResult()
    queue: asyncio.Queue[GenerationRequest] = asyncio.Queue()
    for request in requests:
        queue.put_nowait(request)

    async def caller() -> None:
        while not queue.empty():
            request = queue.get_nowait()
            sent = time.perf_counter()
            first: float | None = None
            try:
                async for chunk in generator.stream(request):
                    if chunk.delta and first is None:
                        first = time.perf_counter()
                        result.ttfts_ms.append((first - sent) * 1000.0)
                    if chunk.done:
                        result.tokens += chunk.completion_tokens
                        if first is not None and chunk.completion_tokens > 1:
                            per = (time.perf_counter() - first) * 1000.0 / (chunk.completion_tokens - 1)
                            result.decode_ms_per_token.append(per)
            except Exception as exc:  # reported: a bench run shows failures rather than stopping
                result.errors.append(type(exc).__name__)

    started = time.perf_counter()
    await asyncio.gather(*(caller() for _ in range(concurrency)))
    result.wall_s = time.perf_counter() - started
    return result


def percentile(values: Sequence[float], q: float) -> float | None:
    return float(np.percentile(values, q)) if values else None


async def timed(calls: Sequence[Callable[[], Any]], concurrency: int) -> list[float]:
    """Milliseconds per awaited call, `concurrency` at a time."""
    gate = asyncio.Semaphore(concurrency)
    latencies: list[float] = []

    async def one(call: Callable[[], Any]) -> None:
        async with gate:
            started = time.perf_counter()
            await call()
            latencies.append((time.perf_counter() - started) * 1000.0)

    await asyncio.gather(*(one(c) for c in calls))
    return latencies


async def cache_comparison(base_url: str, concurrency: int, max_new_tokens: int) -> dict[str, Any]:
    """The reply stage (`core.handle`) on paraphrased questions, with the cache off, then on after the
    original questions were answered and approved. Embeddings are computed beforehand, as upstream does."""
    from relaydesk.embedding import build_embedder
    from relaydesk.events import ComplianceVerdict, Reply, ReplyDraft
    from relaydesk.generation.adapters.cache_store import VectorStoreCache
    from relaydesk.generation.adapters.serve_client import ServeHttpGenerator
    from relaydesk.generation.bootstrap import build_deps
    from relaydesk.generation.config import GenerationSettings
    from relaydesk.generation.core import handle, on_reply
    from relaydesk.vectorstore.edge import EdgeVectorStore

    items = load_workload()
    embedder = build_embedder()
    settings = GenerationSettings(max_new_tokens=max_new_tokens, request_timeout_s=120, first_token_timeout_s=60)

    def turn(item: dict[str, str], text: str, conversation: str) -> Any:
        from relaydesk.events import RetrievalAnnotation, RetrievalHit, TurnAnnotated, TurnBody, TurnEmbedding
        from relaydesk.events.envelope import utcnow

        hit = RetrievalHit(doc_id=item["doc_id"], chunk_id=item["doc_id"] + "#0", title=item["title"],
                           text=item["text"], score=1.0, version=1)
        return TurnAnnotated(
            tenant_id="bench", conversation_id=conversation, received_at=utcnow(),
            turn=TurnBody(turn_id="t1", channel="webchat", speaker="customer", text=text, lang="en"),
            retrieval=RetrievalAnnotation(kb_version=1, query=text, hits=[hit]),
            embedding=TurnEmbedding.from_vector(embedder.model_id, embedder.embed_queries([text])[0]),
        )

    originals = [turn(item, item["question"], f"orig-{i}") for i, item in enumerate(items)]
    paraphrases = [turn(item, item["paraphrase"], f"para-{i}") for i, item in enumerate(items)]
    generator = ServeHttpGenerator(base_url, read_timeout_s=settings.first_token_timeout_s)
    drafts: dict[str, ReplyDraft] = {}

    with tempfile.TemporaryDirectory(prefix="relaydesk-bench-cache-") as tmp:
        off = build_deps(settings.model_copy(update={"cache_enabled": False}), generator=generator)
        cache = VectorStoreCache(EdgeVectorStore(Path(tmp)), settings.cache_collection, embedder.dim)
        on = build_deps(settings, generator=generator, cache=cache)

        async def run(deps: Any, event: Any) -> None:
            for out in await handle(event, deps):
                if isinstance(out, ReplyDraft):
                    drafts[event.conversation_id] = out

        progress("cache: paraphrases with the cache off")
        off_ms = await timed([partial(run, off, e) for e in paraphrases], concurrency)
        progress("cache: answering and approving the original questions")
        await timed([partial(run, on, e) for e in originals], concurrency)
        for event in originals:
            draft = drafts[event.conversation_id]
            await on_reply(Reply(
                tenant_id=draft.tenant_id, conversation_id=draft.conversation_id, turn_id=draft.turn_id,
                reply_id=draft.reply_id, text=draft.text, mode=draft.mode, handoff=draft.handoff,
                compliance=ComplianceVerdict(verdict="pass"), generation=draft.generation,
                received_at=draft.received_at,
            ), on)
        progress("cache: paraphrases with the cache on")
        on_ms = await timed([partial(run, on, e) for e in paraphrases], concurrency)
        hits = [drafts[e.conversation_id] for e in paraphrases if drafts[e.conversation_id].cache.hit]
        cached = cache.count("bench")
    await generator.aclose()
    hit_ms = [d.stages[-1].latency_ms for d in hits]
    return {
        "cache_questions": len(paraphrases),
        "cache_entries": cached,
        "cache_hit_rate": len(hits) / len(paraphrases),
        "cache_off_p50_ms": percentile(off_ms, 50),
        "cache_on_p50_ms": percentile(on_ms, 50),
        "cache_hit_p50_ms": percentile(hit_ms, 50),
        "cache_hit_max_ms": max(hit_ms) if hit_ms else None,
    }
