"""Generation settings: the model, the Serve replicas, the time budget, the prompt budget and the cache.

One frozen class read from `RELAYDESK_GENERATION_*`. `build_app(args)` and the CLI override fields with
keyword arguments, which win over the environment.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from relaydesk.common.settings import relaydesk_cache_dir

PACKAGED_MODEL_ID = "SmolLM2-135M-Instruct"
PACKAGED_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"

DType = Literal["auto", "float32", "float16", "bfloat16"]


class GenerationSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RELAYDESK_GENERATION_", frozen=True)

    # --- the model -----------------------------------------------------------------------------------
    # A Hugging Face model directory or a .gguf file. None: the packaged SmolLM2-135M-Instruct.
    model_path: Path | None = None
    # Where a GGUF model is converted once (safetensors), so later loads take under a second.
    model_cache_dir: Path | None = None
    # "auto" picks CUDA when the replica can see a GPU (Ray sets CUDA_VISIBLE_DEVICES for num_gpus > 0).
    device: str = "auto"
    # "auto": bfloat16 (or float16) on CUDA, float32 on the CPU, where half precision is slow.
    dtype: DType = "auto"
    # Intra-op threads per replica. None: the replica's num_cpus. More threads than cores oversubscribes,
    # and on a busy 2-core host torch with 2 threads ran 10x slower than with 1.
    torch_threads: int | None = None
    max_context_tokens: int = Field(default=2048, ge=256)
    no_repeat_ngram_size: int = Field(default=4, ge=0)
    # Which engine decodes. "auto": CTranslate2 (int8 weights) on the CPU when `ctranslate2` is installed,
    # transformers otherwise and on a GPU. "transformers" keeps the KV-cache loop with continuous batching.
    engine: Literal["auto", "transformers", "ctranslate2"] = "auto"
    # CTranslate2 weights (converted once, next to the rebuilt Hugging Face copy): int8 ran 2-3x faster
    # than transformers float32 here; "float32" keeps the outputs closest to it.
    ct2_quantization: Literal["int8", "int8_float32", "float32"] = "int8"
    # "rows": one CTranslate2 call per request, `ct2_parallel_rows` at once (prompts of different lengths in
    # one call change the longer ones' outputs); "batch": all waiting rows in one call (see ct2_scheduler).
    ct2_batching: Literal["rows", "batch"] = "rows"
    ct2_parallel_rows: int = Field(default=2, ge=1)
    # A request that starts while no other decodes runs on a second generator over the same weights with
    # this many intra-op threads (one row at a time); requests that join it run on the shared one as before.
    # 0 or no more than `threads()`: off (the default). In one process on 2 cores, 190 prompt tokens and 40
    # new ones took 1.41-1.44 s alone at 2 threads against 1.95-2.32 s at one, and the reply eval's generation
    # p50 fell from 1.53 to 1.04 s; inside `relaydesk up` one A/B pair showed no gain (the stack's other
    # processes share the cores while a turn streams), so the stack leaves it off (docs/benchmarks.md).
    ct2_solo_threads: int = Field(default=0, ge=0)
    # Distinct shared prompt prefixes (system messages) each CTranslate2 generator keeps computed, so a prompt
    # prefills only what follows its prefix. Each costs about 150 KB of memory per token for SmolLM2-135M
    # (12.5 MB for the default 83-token system message); one tenant in four languages, with and without the
    # injection note, needs 8. 0: off. See ct2_engine.
    ct2_prefix_cache: int = Field(default=8, ge=0)

    # --- the Serve application -----------------------------------------------------------------------
    app_name: str = "generation"
    route_prefix: str = "/generate"
    num_replicas: int = Field(default=1, ge=1)
    # Autoscaling replaces num_replicas when both bounds are set.
    autoscaling_min_replicas: int | None = Field(default=None, ge=0)
    autoscaling_max_replicas: int | None = Field(default=None, ge=1)
    autoscaling_target_ongoing_requests: float = Field(default=4.0, gt=0)
    replica_num_cpus: float = Field(default=1.0, ge=0)
    replica_num_gpus: float = Field(default=0.0, ge=0)
    max_ongoing_requests: int = Field(default=32, ge=1)
    # Beyond this the proxy answers 503 at once, so callers fall back instead of queueing behind a peak.
    max_queued_requests: int = Field(default=64, ge=-1)
    max_batch_size: int = Field(default=8, ge=1)
    batch_wait_timeout_s: float = Field(default=0.01, ge=0)
    # Rows decoding together in one replica (concurrent batches merge up to this). Each step's cost grows
    # with it: on the CPU 16 keeps a token step near 0.3 s; a GPU replica can take far more.
    max_running_rows: int = Field(default=16, ge=1)
    health_check_period_s: float = Field(default=10.0, gt=0)
    health_check_timeout_s: float = Field(default=30.0, gt=0)
    # A batch that has not produced a token for this long makes check_health fail, so Serve replaces it.
    stall_timeout_s: float = Field(default=60.0, gt=0)

    # --- the client and the time budget --------------------------------------------------------------
    serve_url: str = "http://127.0.0.1:8000/generate"
    connect_timeout_s: float = Field(default=1.0, gt=0)
    first_token_timeout_s: float = Field(default=5.0, gt=0)
    # The whole generation call. On the CPU 80 tokens take about 8 s; a GPU replica needs far less.
    request_timeout_s: float = Field(default=20.0, gt=0)
    # The answer is one or two short sentences; a cut-off tail is dropped and an answer with no whole sentence
    # is not used. On the dev questions 48 gave the same replies as 80 (facts 0.768, the same 3 generated
    # answers) with generation p95 2.7 s instead of 3.8 s, and 36 the same replies as 48 with an answer that
    # runs on stopped about 0.5 s sooner; 32 cut a generated answer short of its fact (docs/benchmarks.md).
    max_new_tokens: int = Field(default=36, ge=1, le=1024)
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    # The customers' languages the model answers in (`turn_lang` codes); a turn in another language gets the
    # answering sentences quoted at once, without a model call (fallback "model_language"). "*": every
    # language (a multilingual model); empty: none (every answer quoted, the model never asked). SmolLM2
    # understands and writes mostly English (its model card), and its tokenizer spends 2-3 tokens on one
    # Chinese or Japanese character: on the reply eval's dev split none of the 27 zh, ja and id answers it
    # generated passed the checks (16 cut off by the token limit, 11 not grounded), while each cost 2.1-3.0 s
    # before its quote went out (docs/benchmarks.md).
    model_languages: tuple[str, ...] = ("en",)
    stream_coalesce_tokens: int = Field(default=4, ge=1)
    partial_emit_timeout_s: float = Field(default=1.0, gt=0)

    # --- the prompt ----------------------------------------------------------------------------------
    prompt_token_budget: int = Field(default=768, ge=128)
    history_token_budget: int = Field(default=192, ge=0)
    recent_turns: int = Field(default=4, ge=0)
    max_sources: int = Field(default=3, ge=1)
    source_token_budget: int = Field(default=384, ge=32)
    history_max_turns: int = Field(default=16, ge=1)

    # --- grounding and fallback ----------------------------------------------------------------------
    # Share of the answer's content words that must occur in the sources (numbers must all occur).
    min_support: float = Field(default=0.75, ge=0.0, le=1.0)
    # Stop decoding as soon as a finished sentence fails the per-sentence check (the whole answer would be
    # rejected anyway), and quote the sentences that answer: a rejected answer costs its first sentence only.
    stop_on_settled_failure: bool = True
    # The extractive answer quotes one or two sentences, not a passage (a reply should stay under 300).
    extractive_max_chars: int = Field(default=280, ge=80)
    # Sentences of the retrieved passages the prompt carries (the best ones, plus the one after the best).
    prompt_sentences: int = Field(default=4, ge=1)
    # When to rank sentences by the embedder's query-sentence similarity rather than by shared words:
    # "cross_lingual" only when no passage shares the question's language (words cannot tell there);
    # "always" (default): on the reply eval's dev split the embedder found the answering sentence more often
    # than shared words, and its score is the evidence the "I don't know" rule reads (dont_know.py).
    sentence_vectors: Literal["off", "cross_lingual", "always"] = "always"
    # Cold sentences cost ~40-50 ms each on one thread (a turn's 24-36 sentences took 1.2-1.8 s on the busy
    # 2-core dev host); the LRU makes repeated passages free. Past this, shared words rank (counted).
    sentence_vectors_timeout_s: float = Field(default=3.0, gt=0)
    # Take the sentence similarities retrieval's second stage computed (sentences embedded at index time)
    # instead of embedding the retrieved sentences here; off: always embed (retrieved_scores.py).
    sentence_scores_from_retrieval: bool = True

    # --- semantic cache ------------------------------------------------------------------------------
    cache_enabled: bool = True
    cache_collection: str = "generation-cache"
    # The question embedding's width (multilingual-e5-small: 384). Another embedder needs another collection.
    cache_vector_dim: int = Field(default=384, ge=1)
    # Cosine similarity of e5 query embeddings; the lexical guards in cache.py do the fine separation.
    # Calibrated in docs/generation.md.
    cache_threshold: float = Field(default=0.90, ge=0.0, le=1.0)
    cache_timeout_s: float = Field(default=0.5, gt=0)
    pending_capacity: int = Field(default=4096, ge=1)

    @field_validator("model_languages")
    @classmethod
    def _languages(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(v.strip().lower() for v in value if v.strip())

    def answers_in(self, lang: str) -> bool:
        """Whether the model is asked for an answer in this language (see model_languages)."""
        return "*" in self.model_languages or lang.lower() in self.model_languages

    def model_dir(self) -> Path:
        """Where the converted packaged model lives (or a configured GGUF model's converted copy)."""
        if self.model_cache_dir is not None:
            return self.model_cache_dir
        name = PACKAGED_MODEL_ID if self.model_path is None else self.model_path.stem
        return relaydesk_cache_dir() / "models" / name.lower()

    def autoscaling(self) -> dict[str, float] | None:
        if self.autoscaling_min_replicas is None or self.autoscaling_max_replicas is None:
            return None
        return {
            "min_replicas": self.autoscaling_min_replicas,
            "max_replicas": self.autoscaling_max_replicas,
            "target_ongoing_requests": self.autoscaling_target_ongoing_requests,
        }

    def threads(self) -> int:
        return self.torch_threads or max(1, int(self.replica_num_cpus))

    def solo_threads(self) -> int:
        """Intra-op threads for a CTranslate2 request decoding alone; 0 when that lane is off."""
        wanted = self.ct2_solo_threads if self.ct2_batching == "rows" else 0
        return wanted if wanted > self.threads() else 0
