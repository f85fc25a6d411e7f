"""`relaydesk bench generation --compare-engines`: the configured engine against plain transformers float32,
in this process, in the same run, at several concurrencies; prefill and decode time apart; and the greedy
answers of both on the workload's grounded prompts (int8 weights change them).

Every variant is a `GenerationServer` (the replica class, with its batching and scheduler) called in-process,
so Serve's HTTP hop, which is the same for every engine, is left out. Variants take turns at each concurrency
(and each round), so drift in a shared host's load falls on all of them alike.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from relaydesk.generation.bench import drive, grounded_requests, progress, short_requests
from relaydesk.generation.ports import GenerationRequest, TextGenerator

BASELINE = "transformers-float32"


@dataclass
class Timed:
    tokens: int = 0
    wall_s: float = 0.0
    ttfts_ms: list[float] = field(default_factory=list)
    decode_ms_per_token: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def tokens_per_s(self) -> float:
        return self.tokens / self.wall_s if self.wall_s > 0 else 0.0


def pct(values: Sequence[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 1) if values else None


async def drive_timed(generator: TextGenerator, requests: Sequence[GenerationRequest], concurrency: int,
                      into: Timed) -> None:
    """`concurrency` closed-loop callers (bench.drive), added into `into`: per request its time to first token
    and its decode time per token after the first (at concurrency 1 these are the prefill and the decode step)."""
    result = await drive(generator, requests, concurrency)
    into.tokens += result.tokens
    into.wall_s += result.wall_s
    into.ttfts_ms.extend(result.ttfts_ms)
    into.decode_ms_per_token.extend(result.decode_ms_per_token)
    into.errors.extend(result.errors)


def variant_settings(args: Any) -> list[tuple[str, dict[str, Any]]]:
    common = {"max_batch_size": args.max_batch_size, "replica_num_cpus": args.replica_cpus,
              "max_running_rows": max(16, args.max_batch_size)}
    variants = [(BASELINE, {**common, "engine": "transformers", "device": "cpu", "dtype": "float32"}),
                ("ctranslate2-int8", {**common, "engine": "ctranslate2", "ct2_quantization": "int8"})]
    if args.ct2_variants:  # the streaming choices of the CTranslate2 engine, measured side by side
        variants += [
            ("ctranslate2-int8-batch", {**common, "engine": "ctranslate2", "ct2_batching": "batch"}),
            ("ctranslate2-int8-rows1", {**common, "engine": "ctranslate2", "ct2_parallel_rows": 1}),
            # every prompt prefilled in full, its shared system message included
            ("ctranslate2-int8-noprefix", {**common, "engine": "ctranslate2", "ct2_prefix_cache": 0}),
        ]
    return variants


async def compare_engines(args: Any) -> dict[str, Any]:
    from relaydesk.generation.adapters.in_process import InProcessGenerator
    from relaydesk.generation.serve_app import GenerationServer

    generators: dict[str, InProcessGenerator] = {}
    info: dict[str, Any] = {}
    for name, settings in variant_settings(args):
        progress(f"compare: loading {name}")
        server = await asyncio.to_thread(GenerationServer, settings)
        info[name] = {k: server.info()[k] for k in ("engine", "dtype", "load_s")}
        generators[name] = InProcessGenerator(server)
        await drive_timed(generators[name], grounded_requests(1, 4), 1, Timed())  # warm-up

    results: dict[str, dict[int, Timed]] = {name: {} for name in generators}
    for concurrency in args.concurrencies:
        n = args.requests or max(4, 2 * concurrency)
        for round_no in range(max(1, args.rounds)):
            for name, generator in generators.items():
                progress(f"compare: {name}, round {round_no + 1}, {n} requests at concurrency {concurrency}")
                timed = results[name].setdefault(concurrency, Timed())
                await drive_timed(generator, grounded_requests(n, args.max_new_tokens), concurrency, timed)
                progress(f"  so far {timed.tokens_per_s:.1f} tokens/s, TTFT p50 {pct(timed.ttfts_ms, 50)} ms")
    short: dict[str, Timed] = {}
    for name, generator in generators.items():
        progress(f"compare: {name}, short prompts one at a time")
        short[name] = Timed()
        await drive_timed(generator, short_requests(8, args.max_new_tokens), 1, short[name])
    answers = await greedy_answers({k: generators[k] for k in (BASELINE, "ctranslate2-int8")}, args.quality_tokens)
    return summarise(results, short, answers, info, args)


async def greedy_answers(generators: dict[str, Any], max_new_tokens: int) -> dict[str, list[str]]:
    """Each engine's greedy answer to each grounded workload prompt (the workload's 8 bank help pages)."""
    out: dict[str, list[str]] = {}
    for name, generator in generators.items():
        progress(f"compare: {name}, greedy answers")
        texts = []
        for request in grounded_requests(8, max_new_tokens):
            texts.append("".join([c.delta async for c in generator.stream(request)]))
        out[name] = texts
    return out


def summarise(results: dict[str, dict[int, Timed]], short: dict[str, Timed], answers: dict[str, list[str]],
              info: dict[str, Any], args: Any) -> dict[str, Any]:
    base = results[BASELINE]
    engines: dict[str, Any] = {}
    for name, by_c in results.items():
        rows = {}
        for c, t in by_c.items():
            rows[str(c)] = {
                "tokens_per_s": round(t.tokens_per_s, 2),
                "speedup": round(t.tokens_per_s / base[c].tokens_per_s, 2) if base[c].tokens_per_s else None,
                "ttft_p50_ms": pct(t.ttfts_ms, 50), "ttft_p95_ms": pct(t.ttfts_ms, 95),
                "errors": len(t.errors),
            }
        one = by_c.get(1)
        engines[name] = {
            **info[name],
            "by_concurrency": rows,
            "prefill_ms_p50": pct(one.ttfts_ms, 50) if one else None,
            "decode_ms_per_token_p50": pct(one.decode_ms_per_token, 50) if one else None,
            "short_prompt_ttft_p50_ms": pct(short[name].ttfts_ms, 50),
        }
    reference = answers[BASELINE]
    quality = {name: {"same_as_float32": sum(a == b for a, b in zip(texts, reference, strict=True)),
                      "answers": len(texts)} for name, texts in answers.items() if name != BASELINE}
    return {"mode": "compare_engines", "max_new_tokens": args.max_new_tokens, "rounds": max(1, args.rounds),
            "replica_cpus": args.replica_cpus, "engines": engines, "greedy_quality": quality,
            "answers": answers}


def report(f: dict[str, Any]) -> None:
    print(f"engine comparison, in-process, {f['max_new_tokens']} new tokens per request, {f['rounds']} round(s)")
    for name, e in f["engines"].items():
        print(f"  {name} ({e['engine']}, {e['dtype']}, loaded in {e['load_s']} s): prefill p50 "
              f"{e['prefill_ms_p50']} ms, decode {e['decode_ms_per_token_p50']} ms/token, short-prompt TTFT p50 "
              f"{e['short_prompt_ttft_p50_ms']} ms")
        for c, r in e["by_concurrency"].items():
            print(f"    concurrency {c}: {r['tokens_per_s']} tokens/s (x{r['speedup']} of {BASELINE}), TTFT p50 "
                  f"{r['ttft_p50_ms']} / p95 {r['ttft_p95_ms']} ms, errors {r['errors']}")
    for name, q in f["greedy_quality"].items():
        print(f"  greedy answers of {name} equal to float32's: {q['same_as_float32']} of {q['answers']}")
