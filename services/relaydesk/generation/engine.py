"""Batched, streamed decoding with a KV cache, built for continuous batching.

A hand-written loop rather than `model.generate`, because serving needs per-row control that generate does
not give: each row has its own token limit, temperature and seed, yields text as it goes, leaves the batch
as soon as it ends (its KV cache rows are dropped), and new rows can join a running batch between two
decode steps (`prefill` them, then `merge` the two batches). Rows are left-padded; every row keeps its own
position ids, so a padded row decodes exactly as it would alone.

Every call runs its tensor work under `torch.inference_mode()` and completes before returning, so calls may
come from any thread, one at a time.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from relaydesk.generation.model_store import LoadedModel


class PromptTooLong(ValueError):
    pass


@dataclass(frozen=True)
class EngineRequest:
    prompt_ids: tuple[int, ...]
    max_new_tokens: int
    temperature: float = 0.0
    seed: int | None = None
    # The first `static_len` prompt ids are a prefix other requests share (a system message): an engine that
    # keeps computed prefixes prefills only the rest.
    static_len: int = 0
    # Set when the caller has gone away (its stream closed): an engine that can stop a row early does.
    cancel: threading.Event | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class StepOutput:
    """What one row produced in one step. `delta` may be empty (an incomplete UTF-8 sequence is held back
    until the next token completes it)."""

    delta: str
    finished: bool
    finish_reason: str | None
    completion_tokens: int


@dataclass
class _Row:
    key: Hashable
    request: EngineRequest
    sampler: Any
    stream: _TextStream
    generated: list[int] = field(default_factory=list)


@dataclass
class RunningBatch:
    """Rows decoding together: their KV cache, attention mask (batch, cached length), each row's next
    position, and the token each row chose last (the next step's input)."""

    rows: list[_Row]
    cache: Any
    mask: Any
    next_positions: Any
    last_tokens: Any

    def __len__(self) -> int:
        return len(self.rows)


Outputs = list[tuple[Hashable, StepOutput]]


class ChatPromptEncoder:
    """The tokenizer side every engine shares: chat template, prompt ids, the context limit, end tokens."""

    def __init__(self, tokenizer: Any, model_id: str, generation_eos: Any, max_context_tokens: int) -> None:
        self.tokenizer = tokenizer
        self.model_id = model_id
        self.max_context_tokens = max_context_tokens
        self.eos_ids = end_token_ids(tokenizer, generation_eos)

    # --- prompts --------------------------------------------------------------------------------------

    def encode_chat(self, messages: Sequence[Mapping[str, str]], add_generation_prompt: bool = True) -> list[int]:
        text = self.tokenizer.apply_chat_template(
            [{"role": m["role"], "content": m["content"]} for m in messages],
            tokenize=False,
            add_generation_prompt=add_generation_prompt,
        )
        return list(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def request(
        self, messages: Sequence[Mapping[str, str]], max_new_tokens: int, temperature: float = 0.0,
        seed: int | None = None, cached_prefix: int = 0,
    ) -> EngineRequest:
        ids = self.encode_chat(messages)
        if len(ids) + max_new_tokens > self.max_context_tokens:
            raise PromptTooLong(
                f"prompt of {len(ids)} tokens + {max_new_tokens} new exceeds {self.max_context_tokens}"
            )
        static_len = self._prefix_len(messages[:cached_prefix], ids) if cached_prefix > 0 else 0
        return EngineRequest(tuple(ids), max_new_tokens, temperature, seed, static_len=static_len)

    def _prefix_len(self, head: Sequence[Mapping[str, str]], ids: Sequence[int]) -> int:
        """How many of `ids` the leading messages `head` make up, templated alone; 0 unless the whole prompt's
        tokens start with exactly those (a merge across the boundary would make the prefix another text)."""
        head_ids = self.encode_chat(head, add_generation_prompt=False)
        n = len(head_ids)
        return n if 0 < n < len(ids) and list(ids[:n]) == head_ids else 0

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])


def end_token_ids(tokenizer: Any, generation_eos: Any) -> frozenset[int]:
    """The tokenizer's and the generation config's end tokens, plus the chat template's end of turn."""
    ids: set[int] = set()
    for value in (tokenizer.eos_token_id, generation_eos):
        if isinstance(value, int):
            ids.add(value)
        elif isinstance(value, list | tuple):
            ids.update(int(v) for v in value)
    end_of_turn = tokenizer.convert_tokens_to_ids("<|im_end|>")
    if isinstance(end_of_turn, int) and end_of_turn != tokenizer.unk_token_id:
        ids.add(end_of_turn)
    if not ids:
        raise ValueError("the tokenizer names no end-of-sequence token")
    return frozenset(ids)


class GenerationEngine(ChatPromptEncoder):
    name = "transformers"

    def __init__(self, loaded: LoadedModel, max_context_tokens: int = 2048, no_repeat_ngram_size: int = 4):
        super().__init__(loaded.tokenizer, loaded.model_id,
                         getattr(loaded.model.generation_config, "eos_token_id", None), max_context_tokens)
        self.loaded = loaded
        self.model = loaded.model
        self.device = loaded.device
        self.no_repeat_ngram_size = no_repeat_ngram_size
        pad = self.tokenizer.pad_token_id
        self.pad_id = int(pad if pad is not None else min(self.eos_ids))

    # --- decoding -------------------------------------------------------------------------------------

    def prefill(self, requests: Sequence[tuple[Hashable, EngineRequest]]) -> tuple[RunningBatch | None, Outputs]:
        """Run the prompts and choose each row's first token. Rows that end at once are not kept."""
        import torch
        from transformers import DynamicCache

        rows = [_Row(key, req, _sampler(req), _TextStream(self.tokenizer)) for key, req in requests]
        width = max(len(r.request.prompt_ids) for r in rows)
        input_ids = torch.full((len(rows), width), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for i, row in enumerate(rows):
            n = len(row.request.prompt_ids)
            input_ids[i, width - n:] = torch.tensor(row.request.prompt_ids, dtype=torch.long)
            mask[i, width - n:] = 1
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        input_ids, mask, positions = (t.to(self.device) for t in (input_ids, mask, positions))
        with torch.inference_mode():
            cache = DynamicCache(config=self.model.config)
            out = self.model(
                input_ids=input_ids, attention_mask=mask, position_ids=positions,
                past_key_values=cache, use_cache=True, logits_to_keep=1,
            )
            batch = RunningBatch(rows, cache, mask, positions[:, -1] + 1, positions[:, -1])
            return self._advance(batch, out.logits[:, -1, :])

    def decode(self, batch: RunningBatch) -> tuple[RunningBatch | None, Outputs]:
        """One token for every row of the batch."""
        import torch

        with torch.inference_mode():
            ones = torch.ones((len(batch), 1), dtype=batch.mask.dtype, device=self.device)
            batch.mask = torch.cat([batch.mask, ones], dim=1)
            out = self.model(
                input_ids=batch.last_tokens[:, None], attention_mask=batch.mask,
                position_ids=batch.next_positions[:, None], past_key_values=batch.cache, use_cache=True,
            )
            batch.next_positions = batch.next_positions + 1
            return self._advance(batch, out.logits[:, -1, :])

    def merge(self, a: RunningBatch, b: RunningBatch) -> RunningBatch | None:
        """One batch from two, the shorter cache left-padded (masked out). None when the cache layout is not
        the plain dynamic one this knows how to pad (sliding-window layers, say): decode them apart."""
        import torch
        from transformers.cache_utils import DynamicLayer

        layers_a, layers_b = a.cache.layers, b.cache.layers
        if len(layers_a) != len(layers_b) or any(
            type(layer) is not DynamicLayer for layer in (*layers_a, *layers_b)
        ):
            return None
        length = max(a.mask.shape[1], b.mask.shape[1])
        with torch.inference_mode():
            for la, lb in zip(layers_a, layers_b, strict=True):
                la.keys = torch.cat([_left_pad(la.keys, length, 2), _left_pad(lb.keys, length, 2)], dim=0)
                la.values = torch.cat([_left_pad(la.values, length, 2), _left_pad(lb.values, length, 2)], dim=0)
            a.mask = torch.cat([_left_pad(a.mask, length, 1), _left_pad(b.mask, length, 1)], dim=0)
            a.next_positions = torch.cat([a.next_positions, b.next_positions])
            a.last_tokens = torch.cat([a.last_tokens, b.last_tokens])
        a.rows.extend(b.rows)
        return a

    def run(self, requests: Sequence[EngineRequest]) -> Iterator[list[StepOutput | None]]:
        """Decode one fixed batch to the end. Each step yields an entry per request: its output, or None
        once it has ended (its last output had `finished=True`)."""
        if not requests:
            return
        batch, outputs = self.prefill(list(enumerate(requests)))
        while True:
            step: list[StepOutput | None] = [None] * len(requests)
            for key, out in outputs:
                step[int(key)] = out  # type: ignore[call-overload]
            yield step
            if batch is None:
                return
            batch, outputs = self.decode(batch)

    # --- internals ------------------------------------------------------------------------------------

    def _advance(self, batch: RunningBatch, logits: Any) -> tuple[RunningBatch | None, Outputs]:
        import torch

        logits = logits.float()
        outputs: Outputs = []
        keep: list[int] = []
        chosen: list[int] = []
        for j, row in enumerate(batch.rows):
            token = self._choose(logits[j], row)
            chosen.append(token)
            out = self._step(row, token)
            outputs.append((row.key, out))
            if not out.finished:
                keep.append(j)
        batch.last_tokens = torch.tensor(chosen, dtype=torch.long, device=self.device)
        if not keep:
            return None, outputs
        if len(keep) < len(batch):
            index = torch.tensor(keep, dtype=torch.long, device=self.device)
            batch.cache.batch_select_indices(index)
            batch.mask = batch.mask[index]
            batch.next_positions = batch.next_positions[index]
            batch.last_tokens = batch.last_tokens[index]
            batch.rows = [batch.rows[j] for j in keep]
            _trim_left(batch)
        return batch, outputs

    def _step(self, row: _Row, token: int) -> StepOutput:
        cancel = row.request.cancel
        if cancel is not None and cancel.is_set():  # the caller left: the row leaves the batch now
            return StepOutput("", True, "stop", len(row.generated))
        if token in self.eos_ids:
            return StepOutput(row.stream.flush(), True, "stop", len(row.generated))
        row.generated.append(token)
        delta = row.stream.push(row.generated)
        limit = len(row.generated) >= row.request.max_new_tokens
        if limit or len(row.request.prompt_ids) + len(row.generated) >= self.max_context_tokens:
            return StepOutput(delta + row.stream.flush(), True, "length", len(row.generated))
        return StepOutput(delta, False, None, len(row.generated))

    def _choose(self, logits: Any, row: _Row) -> int:
        import torch

        banned = _ngram_bans(row.generated, self.no_repeat_ngram_size)
        if banned:
            logits = logits.clone()
            logits[list(banned)] = float("-inf")
        if row.request.temperature <= 0.0:
            return int(torch.argmax(logits).item())
        probs = torch.softmax(logits / row.request.temperature, dim=-1)
        return int(torch.multinomial(probs, 1, generator=row.sampler).item())


def _left_pad(tensor: Any, length: int, dim: int) -> Any:
    import torch

    missing = length - tensor.shape[dim]
    if missing <= 0:
        return tensor
    shape = list(tensor.shape)
    shape[dim] = missing
    return torch.cat([torch.zeros(shape, dtype=tensor.dtype, device=tensor.device), tensor], dim=dim)


def _trim_left(batch: RunningBatch) -> None:
    """Drop leading cache columns no remaining row attends to (padding of rows that have left)."""
    used = batch.mask.any(dim=0).nonzero()
    start = int(used[0].item()) if used.numel() else 0
    if start == 0:
        return
    for layer in batch.cache.layers:
        layer.keys = layer.keys[:, :, start:, :]
        layer.values = layer.values[:, :, start:, :]
    batch.mask = batch.mask[:, start:]


def _sampler(req: EngineRequest) -> Any:
    import torch

    if req.temperature <= 0.0:
        return None
    gen = torch.Generator()
    if req.seed is not None:
        gen.manual_seed(req.seed)
    else:
        gen.seed()
    return gen


def _ngram_bans(generated: Sequence[int], n: int) -> set[int]:
    """Tokens that would repeat an n-gram already generated (the small model loops without this)."""
    if n <= 0 or len(generated) < n:
        return set()
    prefix = tuple(generated[len(generated) - n + 1:])
    bans: set[int] = set()
    for start in range(len(generated) - n + 1):
        if tuple(generated[start:start + n - 1]) == prefix:
            bans.add(generated[start + n - 1])
    return bans


class _TextStream:
    """Incremental detokenisation: decode the whole row each step and emit what is new. Byte-level BPE
    can split a character across tokens; a trailing replacement character waits for the next token."""

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer
        self.emitted = ""
        self.pending = ""

    def push(self, ids: Sequence[int]) -> str:
        text = self.tokenizer.decode(ids, skip_special_tokens=True, clean_up_tokenization_spaces=False)
        if text.endswith("\ufffd"):
            self.pending = text
            return ""
        self.pending = ""
        return self._emit(text)

    def flush(self) -> str:
        if not self.pending:
            return ""
        text, self.pending = self.pending.rstrip("\ufffd"), ""
        return self._emit(text)

    def _emit(self, text: str) -> str:
        # Byte-level BPE decodes prefix-stably once characters are complete, so what is new is the tail.
        if len(text) <= len(self.emitted):
            return ""
        delta, self.emitted = text[len(self.emitted):], text
        return delta
