"""The decoding engine on the real SmolLM2 model, in this process."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from relaydesk.generation.adapters.in_process import InProcessGenerator
from relaydesk.generation.engine import EngineRequest, GenerationEngine, PromptTooLong, _TextStream
from relaydesk.generation.ports import GenerationChunk, GenerationRequest
from relaydesk.generation.serve_app import GenerationServer
from relaydesk.generation.text import approx_tokens

SYSTEM = "You are a support assistant. Answer only from the sources."
QUESTIONS = (
    "Sources:\n[refunds] Refunds take 5 business days.\n\nQuestion: How long do refunds take?",
    "Sources:\n[hours] We are open Monday to Friday from 9:00 to 17:00, and on Saturday morning.\n\n"
    "Question: Are you open on Saturday?",
    "Question: Hi!",
)


@pytest.fixture(scope="module")
def server(model_dir: Path) -> Iterator[GenerationServer]:
    yield GenerationServer({"model_cache_dir": str(model_dir), "engine": "transformers", "torch_threads": 1, "max_batch_size": 4,
                            "batch_wait_timeout_s": 0.05})


def messages(question: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": question}]


def decode(engine: GenerationEngine, requests: list[EngineRequest]) -> list[str]:
    texts = [""] * len(requests)
    for step in engine.run(requests):
        for i, out in enumerate(step):
            if out is not None:
                texts[i] += out.delta
    return texts


def test_when_prompts_are_batched_then_each_decodes_as_it_would_alone(server: GenerationServer) -> None:
    engine = server.engine
    requests = [engine.request(messages(q), max_new_tokens=8) for q in QUESTIONS]
    assert len({len(r.prompt_ids) for r in requests}) == 3  # different lengths: left padding is exercised
    alone = [decode(engine, [r])[0] for r in requests]
    together = decode(engine, requests)
    assert together == alone and all(alone)


def test_when_a_row_joins_a_running_batch_then_both_decode_as_they_would_alone(server: GenerationServer) -> None:
    engine = server.engine
    first, second = (engine.request(messages(q), max_new_tokens=8) for q in QUESTIONS[:2])
    alone = {"a": decode(engine, [first])[0], "b": decode(engine, [second])[0]}
    texts = {"a": "", "b": ""}

    def collect(outputs: list) -> None:
        for key, out in outputs:
            texts[key] += out.delta

    batch, outputs = engine.prefill([("a", first)])
    collect(outputs)
    for _ in range(3):  # "a" is a few tokens ahead, so its cache is longer than the newcomer's
        assert batch is not None
        batch, outputs = engine.decode(batch)
        collect(outputs)
    joined, outputs = engine.prefill([("b", second)])
    collect(outputs)
    assert batch is not None and joined is not None
    merged = engine.merge(batch, joined)
    assert merged is not None and len(merged) == 2
    running = merged
    while running is not None:
        running, outputs = engine.decode(running)
        collect(outputs)
    assert texts == alone


async def test_when_requests_arrive_apart_then_the_later_joins_the_running_batch(server: GenerationServer) -> None:
    generator = InProcessGenerator(server)
    before = server.info()["batches"]

    async def one(question: str, delay_s: float) -> str:
        await asyncio.sleep(delay_s)
        request = GenerationRequest(tuple((m["role"], m["content"]) for m in messages(question)), 12)
        return "".join([chunk.delta async for chunk in generator.stream(request)])

    late = await asyncio.gather(one(QUESTIONS[0], 0.0), one(QUESTIONS[1], 0.4))
    info = server.info()
    assert info["batches"] - before == 2 and info["largest_batch"] == 2
    alone = [decode(server.engine, [server.engine.request(messages(q), 12)])[0] for q in QUESTIONS[:2]]
    assert late == alone


def test_when_rows_have_different_limits_then_each_stops_at_its_own(server: GenerationServer) -> None:
    engine = server.engine
    requests = [engine.request(messages(QUESTIONS[0]), max_new_tokens=n) for n in (2, 6)]
    finals = {}
    for step in engine.run(requests):
        for i, out in enumerate(step):
            if out is not None and out.finished:
                finals[i] = out
    assert finals[0].completion_tokens <= 2 and finals[1].completion_tokens <= 6
    assert finals[0].finish_reason in ("length", "stop")


def test_when_prompt_exceeds_context_then_request_is_refused(server: GenerationServer) -> None:
    with pytest.raises(PromptTooLong):
        server.engine.request(messages("refund " * 3000), max_new_tokens=10)


def test_when_text_streams_token_by_token_then_deltas_rebuild_it(server: GenerationServer) -> None:
    tokenizer = server.engine.tokenizer
    text = "Grüße aus Köln 👋 你好, refunds take 5 days."
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    stream = _TextStream(tokenizer)
    rebuilt = "".join(stream.push(ids[: i + 1]) for i in range(len(ids))) + stream.flush()
    assert rebuilt == tokenizer.decode(ids, skip_special_tokens=True)


@pytest.mark.parametrize(
    "text",
    [
        "Refunds are processed within 5 business days after we receive the returned item.",
        "If your card is lost or stolen, freeze it in the app, then call 0800 123 456 for a replacement.",
        "退款将在收到退货后的5个工作日内处理。",
        "カードを紛失した場合は、すぐにアプリでカードを凍結してください。",
    ],
)
def test_when_budgeting_then_estimate_does_not_undercount_english_or_cjk(server: GenerationServer, text: str) -> None:
    real = server.engine.count_tokens(text)
    assert real * 0.95 <= approx_tokens(text) <= real * 2


async def test_when_called_in_process_then_local_batching_streams_with_usage(server: GenerationServer) -> None:
    generator = InProcessGenerator(server)

    async def one(question: str) -> list[GenerationChunk]:
        request = GenerationRequest(tuple((m["role"], m["content"]) for m in messages(question)), 8)
        return [chunk async for chunk in generator.stream(request)]

    before = server.info()["batches"]
    results = await asyncio.gather(*(one(q) for q in QUESTIONS[:2]))
    for chunks in results:
        assert chunks[-1].done and chunks[-1].model == "SmolLM2-135M-Instruct"
        assert sum(1 for c in chunks if c.delta) <= chunks[-1].completion_tokens <= 8
    info = server.info()
    assert info["batching"] == "local" and info["batches"] - before == 1 and info["largest_batch"] == 2
