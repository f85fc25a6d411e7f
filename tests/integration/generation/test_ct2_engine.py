"""The CTranslate2 engine on the real SmolLM2 model (int8, converted once and cached), in this process."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from relaydesk.common.ct2_store import MARKER, ct2_dir_for
from relaydesk.generation.adapters.in_process import InProcessGenerator
from relaydesk.generation.config import GenerationSettings
from relaydesk.generation.ct2_engine import Ct2Engine, load_ct2_engine
from relaydesk.generation.ports import GenerationRequest
from relaydesk.generation.serve_app import GenerationServer

SYSTEM = "You are a support assistant. Answer only from the sources."
QUESTION = "Sources:\n[refunds] Refunds take 5 business days.\n\nQuestion: How long do refunds take?"
SETTINGS = {"engine": "ctranslate2", "torch_threads": 1, "max_batch_size": 4, "batch_wait_timeout_s": 0.02}


@pytest.fixture(scope="module")
def server(model_dir: Path) -> Iterator[GenerationServer]:
    yield GenerationServer({"model_cache_dir": str(model_dir), **SETTINGS})


def chat(question: str, max_new_tokens: int) -> GenerationRequest:
    return GenerationRequest((("system", SYSTEM), ("user", question)), max_new_tokens)


def test_when_loaded_then_info_names_the_engine_and_a_cached_load_is_quick(
    server: GenerationServer, model_dir: Path
) -> None:
    info = server.info()
    assert info["engine"] == "ctranslate2" and info["dtype"] == "int8" and info["device"] == "cpu"
    marker = ct2_dir_for(model_dir, "int8") / MARKER
    converted_at = marker.stat().st_mtime
    again = load_ct2_engine(GenerationSettings(model_cache_dir=model_dir, engine="ctranslate2", torch_threads=1))
    assert marker.stat().st_mtime == converted_at  # read from the cache, not converted again
    assert again.loaded.load_s < 15  # a few seconds (7 s measured on a busy host), against ~30 s to convert


async def test_when_streamed_then_the_text_is_ctranslate2s_own_greedy_output(server: GenerationServer) -> None:
    engine = server.engine
    assert isinstance(engine, Ct2Engine)
    chunks = [c async for c in InProcessGenerator(server).stream(chat(QUESTION, 12))]
    streamed = "".join(c.delta for c in chunks)
    ids = engine.encode_chat([{"role": "system", "content": SYSTEM}, {"role": "user", "content": QUESTION}])
    reference = engine.generator.generate_batch(
        [engine.tokenizer.convert_ids_to_tokens(ids)], max_length=12, sampling_topk=1,
        include_prompt_in_result=False, end_token=sorted(engine.eos_ids),
        no_repeat_ngram_size=engine.no_repeat_ngram_size,
    )[0].sequences_ids[0]
    assert streamed and streamed == engine.tokenizer.decode(reference, skip_special_tokens=True)
    assert chunks[-1].done and chunks[-1].completion_tokens == len(reference)


async def test_when_requests_run_together_then_each_stops_at_its_own_limit(server: GenerationServer) -> None:
    generator = InProcessGenerator(server)

    async def one(limit: int) -> int:
        chunks = [c async for c in generator.stream(chat(QUESTION, limit))]
        return chunks[-1].completion_tokens

    short, long = await asyncio.gather(one(2), one(7))
    assert short <= 2 and 2 < long <= 7 and server.info()["largest_batch"] >= 2


async def test_when_the_caller_leaves_then_its_row_stops_decoding(server: GenerationServer) -> None:
    stream = InProcessGenerator(server).stream(chat(QUESTION + " Explain every step in detail.", 400))
    async for chunk in stream:
        if chunk.delta:
            break
    await stream.aclose()
    left = time.monotonic()
    while server.info()["running_rows"] and time.monotonic() - left < 10:
        await asyncio.sleep(0.05)
    assert server.info()["running_rows"] == 0  # 400 tokens would take far longer than this


@pytest.fixture(scope="module")
def solo_engine(model_dir: Path) -> Iterator[Ct2Engine]:
    # Module-scoped, not a test's local. CTranslate2 may release a call's step callback on its own worker thread
    # just after the call returns; an engine whose last reference went with it would be destroyed on that
    # thread, which then joins itself. One CI run aborted so ("Resource deadlock avoided") right after this test.
    yield load_ct2_engine(GenerationSettings(model_cache_dir=model_dir, engine="ctranslate2", torch_threads=1,
                                             ct2_solo_threads=2))


def test_when_a_solo_lane_is_set_then_a_row_alone_decodes_there_to_the_same_greedy_text(
    solo_engine: Ct2Engine,
) -> None:
    engine = solo_engine
    assert engine.has_solo and engine.solo_generator is not engine.generator
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": QUESTION}]

    def decode(solo: bool) -> str:
        out: list[str] = []
        engine.generate([engine.row(solo, engine.request(messages, 12))], lambda r, step: out.append(step.delta),
                        solo=solo)
        return "".join(out)

    shared, solo = decode(False), decode(True)
    assert solo and solo == shared


async def test_when_the_system_message_is_marked_shared_then_it_is_kept_and_the_text_is_ct2s_for_that_split(
    server: GenerationServer,
) -> None:
    engine = server.engine
    assert isinstance(engine, Ct2Engine)
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": QUESTION}]
    request = engine.request(messages, 12, cached_prefix=1)
    system_only = engine.encode_chat(messages[:1])  # the system message, then the assistant's turn opening
    assert 0 < request.static_len < len(system_only)
    assert request.prompt_ids[:request.static_len] == tuple(system_only[:request.static_len])
    before = server.info()["ct2_prefixes"]["shared"]

    async def streamed() -> str:
        marked = GenerationRequest((("system", SYSTEM), ("user", QUESTION)), 12, cached_prefix=1)
        return "".join([c.delta async for c in InProcessGenerator(server).stream(marked)])

    first, second = await streamed(), await streamed()
    after = server.info()["ct2_prefixes"]["shared"]
    assert after["kept"] == max(before["kept"], 1) and after["hits"] >= before["hits"] + 1
    tokens = engine.tokenizer.convert_ids_to_tokens(list(request.prompt_ids))
    reference = engine.generator.generate_batch(
        [tokens[request.static_len:]], static_prompt=tokens[:request.static_len], max_length=12, sampling_topk=1,
        include_prompt_in_result=False, end_token=sorted(engine.eos_ids),
        no_repeat_ngram_size=engine.no_repeat_ngram_size,
    )[0].sequences_ids[0]
    assert first and first == second == engine.tokenizer.decode(reference, skip_special_tokens=True)
