"""Decoding with CTranslate2 (int8 weights by default): the CPU engine.

transformers still loads the tokenizer and applies the chat template (`ChatPromptEncoder`); CTranslate2 runs
the model. `generate` decodes some rows in one `generate_batch` call and reports every token through its
step callback, which is also where a row leaves early: its own token limit, an end token, a cancelled caller
or a passed deadline make the callback return True, and CTranslate2 stops that row.

One CTranslate2 caveat decides how rows are grouped (see `ct2_scheduler`): for prompts of different lengths
in one call, CTranslate2 feeds the longer prompts' tails through its decoding loop, and that changed those
rows' greedy outputs here (measured on SmolLM2: a batch of two prompts of 67 and 117 tokens gave the longer
one a different answer than it got alone; two prompts of the same length each got their own). So by default
each row has its own call, several calls running at once (`ct2_parallel_rows`, CTranslate2's inter_threads).

A prompt's shared prefix (`EngineRequest.static_len`: the tenant's system message) goes to CTranslate2 as its
static prompt, whose computed state it keeps: the next prompt with the same prefix prefills only the rest
(`relaydesk bench generation --compare-engines --ct2-variants`: prefill p50 227 ms instead of 402 for the
grounded workload prompts). CTranslate2 keeps every static prompt it is given for the generator's life, so
`PrefixStates` admits at most `ct2_prefix_cache` distinct ones per generator; later ones prefill in full.
With int8 weights the split changes some greedy outputs (as batching prompts of different lengths does);
float32 gives the same text either way.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

from relaydesk.generation.config import GenerationSettings
from relaydesk.generation.engine import ChatPromptEncoder, EngineRequest, StepOutput, _TextStream
from relaydesk.generation.model_store import LoadedModel, resolve_model_dir

Emit = Callable[["Ct2Row", StepOutput], None]


@dataclass
class Ct2Row:
    key: Hashable
    request: EngineRequest
    stream: _TextStream
    should_stop: Callable[[], bool] = lambda: False  # the caller went away
    deadline: float | None = None  # time.monotonic() after which the row ends
    generated: list[int] = field(default_factory=list)
    finished: bool = False


class PrefixStates:
    """Which shared prompt prefixes one generator keeps computed, at most `limit` (0: none), and how often a
    prompt found its prefix kept (`hits`), had it computed and kept (`stored`) or prefilled in full because
    the limit was reached (`full`)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._kept: set[tuple[int, ...]] = set()
        self._lock = threading.Lock()
        self.counts = {"hits": 0, "stored": 0, "full": 0}

    def admit(self, prefix: tuple[int, ...]) -> bool:
        with self._lock:
            if prefix in self._kept:
                self.counts["hits"] += 1
                return True
            if len(self._kept) >= self.limit:
                self.counts["full"] += 1
                return False
            self._kept.add(prefix)
            self.counts["stored"] += 1
            return True

    def info(self) -> dict[str, int]:
        with self._lock:
            return {"kept": len(self._kept), **self.counts}


def ct2_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("ctranslate2") is not None


class Ct2Engine(ChatPromptEncoder):
    name = "ctranslate2"

    def __init__(self, generator: Any, loaded: LoadedModel, generation_eos: Any, max_context_tokens: int = 2048,
                 no_repeat_ngram_size: int = 4, solo_generator: Any = None, prefix_cache: int = 0) -> None:
        super().__init__(loaded.tokenizer, loaded.model_id, generation_eos, max_context_tokens)
        self.generator = generator
        # Same weights, more intra-op threads, one row at a time: for a request that decodes alone.
        self.solo_generator = solo_generator
        self.loaded = loaded
        self.device = loaded.device
        self.no_repeat_ngram_size = no_repeat_ngram_size
        self._seed_lock = threading.Lock()
        self.prefixes = {"shared": PrefixStates(prefix_cache)}  # per generator: each keeps its own
        if solo_generator is not None:
            self.prefixes["solo"] = PrefixStates(prefix_cache)

    def row(self, key: Hashable, request: EngineRequest, should_stop: Callable[[], bool] = lambda: False,
            deadline: float | None = None) -> Ct2Row:
        return Ct2Row(key, request, _TextStream(self.tokenizer), should_stop, deadline)

    @property
    def has_solo(self) -> bool:
        return self.solo_generator is not None

    def generate(self, rows: Sequence[Ct2Row], emit: Emit, solo: bool = False) -> None:
        """Decode `rows` to their ends in one call (blocking), emitting each row's steps as they come. Rows
        must share a temperature; each still has its own token limit. `solo`: on the solo generator (the
        caller knows nothing else decodes), when there is one."""
        if not rows:
            return
        temperature = rows[0].request.temperature
        tokens = [self.tokenizer.convert_ids_to_tokens(list(r.request.prompt_ids)) for r in rows]
        sampling: dict[str, Any] = {"sampling_topk": 1}
        if temperature > 0.0:
            sampling = {"sampling_topk": 0, "sampling_temperature": temperature}
            seed = rows[0].request.seed
            if seed is not None:
                import ctranslate2

                with self._seed_lock:
                    ctranslate2.set_random_seed(seed)

        def step(result: Any) -> bool:
            row = rows[result.batch_id]
            if row.finished:
                return True
            out = self._step(row, int(result.token_id))
            if out is not None:
                emit(row, out)
            return row.finished

        lane = "solo" if solo and self.solo_generator is not None else "shared"
        generator = self.solo_generator if lane == "solo" else self.generator
        tokens, static = self._split_prefix(rows, tokens, self.prefixes[lane])
        generator.generate_batch(
            tokens,
            **static,
            max_length=max(r.request.max_new_tokens for r in rows),
            include_prompt_in_result=False,
            end_token=sorted(self.eos_ids),
            no_repeat_ngram_size=self.no_repeat_ngram_size,
            callback=step,
            **sampling,
        )
        for row in rows:  # ended by CTranslate2 itself (an end token, max_length) without a final step
            if not row.finished:
                row.finished = True
                emit(row, StepOutput(row.stream.flush(), True, "stop", len(row.generated)))

    @staticmethod
    def _split_prefix(rows: Sequence[Ct2Row], tokens: list[list[str]], prefixes: PrefixStates
                      ) -> tuple[list[list[str]], dict[str, Any]]:
        """The rows' tokens after their shared prefix and CTranslate2's static-prompt arguments, when every row
        starts with the same one and it is (or can be) kept; else the tokens as they are."""
        n = rows[0].request.static_len
        prefix = tuple(rows[0].request.prompt_ids[:n])
        if n <= 0 or any(tuple(r.request.prompt_ids[:r.request.static_len]) != prefix for r in rows[1:]):
            return tokens, {}
        if not prefixes.admit(prefix):
            return tokens, {}
        return [t[n:] for t in tokens], {"static_prompt": tokens[0][:n], "cache_static_prompt": True}

    def _step(self, row: Ct2Row, token: int) -> StepOutput | None:
        if row.should_stop():
            row.finished = True
            return None  # nobody is listening
        if token in self.eos_ids:
            row.finished = True
            return StepOutput(row.stream.flush(), True, "stop", len(row.generated))
        row.generated.append(token)
        delta = row.stream.push(row.generated)
        limit = len(row.generated) >= row.request.max_new_tokens
        context = len(row.request.prompt_ids) + len(row.generated) >= self.max_context_tokens
        late = row.deadline is not None and time.monotonic() > row.deadline
        if limit or context or late:
            row.finished = True
            return StepOutput(delta + row.stream.flush(), True, "length", len(row.generated))
        return StepOutput(delta, False, None, len(row.generated))


def load_ct2_engine(settings: GenerationSettings) -> Ct2Engine:
    import ctranslate2
    from transformers import AutoTokenizer, GenerationConfig

    from relaydesk.common.ct2_store import ensure_ct2

    started = time.perf_counter()
    hf_dir, model_id = resolve_model_dir(settings)
    ct2_dir = ensure_ct2(hf_dir, settings.ct2_quantization)
    tokenizer = AutoTokenizer.from_pretrained(hf_dir, local_files_only=True)
    try:
        generation_eos = GenerationConfig.from_pretrained(hf_dir, local_files_only=True).eos_token_id
    except OSError:  # no generation_config.json: the tokenizer's end tokens only
        generation_eos = None

    def generator(inter: int, intra: int) -> Any:
        return ctranslate2.Generator(str(ct2_dir), device="cpu", compute_type=settings.ct2_quantization,
                                     inter_threads=inter, intra_threads=intra)

    shared = generator(settings.ct2_parallel_rows, settings.threads())
    solo_threads = settings.solo_threads()
    solo = generator(1, solo_threads) if solo_threads else None
    loaded = LoadedModel(model=shared, tokenizer=tokenizer, model_id=model_id, device="cpu",
                         dtype=settings.ct2_quantization, load_s=time.perf_counter() - started)
    return Ct2Engine(shared, loaded, generation_eos, settings.max_context_tokens, settings.no_repeat_ngram_size,
                     solo_generator=solo, prefix_cache=settings.ct2_prefix_cache)
