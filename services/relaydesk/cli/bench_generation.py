"""`relaydesk bench generation --concurrency C [--json]`: tokens/s and time to first token through Ray Serve,
against the same model called in-process (same batching, same threads), and the reply stage with the
semantic cache on against off. With --json the last line is one JSON object."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from typing import Any

DEFAULT_ROUNDS = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--concurrency", type=int, default=4, help="concurrent callers")
    parser.add_argument("--json", action="store_true", help="end with one JSON line of the figures")
    parser.add_argument("--requests", type=int, default=None, help="requests per run (default 4 x concurrency)")
    parser.add_argument("--max-new-tokens", type=int, default=32, help="tokens generated per request")
    parser.add_argument("--url", default=None, help="use a running Serve application instead of starting one")
    parser.add_argument("--num-cpus", type=int, default=None, help="CPUs for the local Ray (default: all)")
    parser.add_argument("--replica-cpus", type=float, default=1.0, help="num_cpus (and torch threads) per replica")
    parser.add_argument("--replica-gpus", type=float, default=0.0, help="num_gpus per replica")
    parser.add_argument("--max-batch-size", type=int, default=8, help="@serve.batch max_batch_size")
    parser.add_argument("--device", default="auto", help="auto | cpu | cuda | cuda:N")
    parser.add_argument("--dtype", default="auto", help="auto | float32 | float16 | bfloat16")
    parser.add_argument("--no-cache", action="store_true", help="skip the cache on/off comparison")
    parser.add_argument("--no-direct", action="store_true", help="skip the in-process baseline")
    parser.add_argument("--rounds", type=int, default=None,
                        help=f"served and direct runs alternate this many times (evens out a busy host; default "
                             f"{DEFAULT_ROUNDS}, 1 with --compare-engines, whose variants already take turns)")
    parser.add_argument("--compare-engines", action="store_true",
                        help="in-process: the CTranslate2 engine against transformers float32 at --concurrencies")
    parser.add_argument("--concurrencies", type=lambda v: [int(x) for x in v.split(",")], default=[1, 4, 16],
                        help="with --compare-engines: comma-separated concurrencies (default 1,4,16)")
    parser.add_argument("--ct2-variants", action="store_true",
                        help="with --compare-engines: also CTranslate2's batch mode, one row at a time and "
                             "every prompt prefilled in full (no kept prefixes)")
    parser.add_argument("--quality-tokens", type=int, default=48,
                        help="with --compare-engines: tokens per greedy answer compared between engines")


def _fmt(value: float | None, unit: str = "ms") -> str:
    return "n/a" if value is None else f"{value:.0f} {unit}"


def run(args: argparse.Namespace) -> int:
    if args.compare_engines:
        return asyncio.run(_compare(args))
    return asyncio.run(_main(args))


async def _compare(args: argparse.Namespace) -> int:
    from relaydesk.generation import bench_engines

    if args.rounds is None:
        args.rounds = 1  # variants already take turns at every concurrency
    figures = await bench_engines.compare_engines(args)
    bench_engines.report(figures)
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))
    errors = sum(r["errors"] for e in figures["engines"].values() for r in e["by_concurrency"].values())
    return 0 if not errors else 1



async def _main(args: argparse.Namespace) -> int:
    from relaydesk.common.ports import free_port
    from relaydesk.generation import bench, local_serve
    from relaydesk.generation.adapters.serve_client import ServeHttpGenerator

    if args.rounds is None:
        args.rounds = DEFAULT_ROUNDS
    concurrency = max(1, args.concurrency)
    n = args.requests or max(8, 4 * concurrency)
    replica = {
        "max_batch_size": args.max_batch_size,
        "device": args.device,
        "dtype": args.dtype,
        "ray_actor_options": {"num_cpus": args.replica_cpus, "num_gpus": args.replica_gpus},
    }
    started_ray = False
    try:
        base_url = args.url
        if base_url is None:
            bench.progress("starting a local Ray and the generation application")
            local_serve.start_ray(args.num_cpus, 256)
            started_ray = True
            port = free_port("127.0.0.1")
            base_url = await asyncio.to_thread(
                local_serve.deploy, "127.0.0.1", port, replica, time.monotonic() + 600
            )
        served_gen = ServeHttpGenerator(base_url, read_timeout_s=300, max_connections=concurrency + 4)
        info = await served_gen.info()
        direct_gen = None if args.no_direct else await _direct_generator(args)
        served, direct = bench.LoadResult(), bench.LoadResult()
        await bench.drive(served_gen, bench.grounded_requests(1, 4), 1)  # warm-up
        for round_no in range(1, max(1, args.rounds) + 1):
            bench.progress(f"round {round_no}: served, {n} requests at concurrency {concurrency}")
            served = served.add(await bench.drive(
                served_gen, bench.grounded_requests(n, args.max_new_tokens), concurrency))
            if direct_gen is not None:
                bench.progress(f"round {round_no}: direct, {n} requests at concurrency {concurrency}")
                direct = direct.add(await bench.drive(
                    direct_gen, bench.grounded_requests(n, args.max_new_tokens), concurrency))
        bench.progress("served: short prompts one at a time")
        short = await bench.drive(served_gen, bench.short_requests(8, args.max_new_tokens), 1)
        await served_gen.aclose()
        cache: dict[str, Any] = {}
        if not args.no_cache:
            cache = await bench.cache_comparison(base_url, concurrency, args.max_new_tokens)
    finally:
        if started_ray:
            local_serve.stop()

    has_direct = direct.wall_s > 0
    ratio = direct.tokens_per_s / served.tokens_per_s if has_direct and served.tokens_per_s else None
    figures: dict[str, Any] = {
        "model": info.get("model"),
        "device": info.get("device"),
        "concurrency": concurrency,
        "requests": n,
        "rounds": max(1, args.rounds),
        "max_new_tokens": args.max_new_tokens,
        "max_batch_size": info.get("max_batch_size"),
        "tokens_per_s": round(served.tokens_per_s, 2),
        "ttft_p50_ms": _round(served.ttft(50)),
        "ttft_p99_ms": _round(served.ttft(99)),
        "errors": len(served.errors),
        "error_types": sorted(set(served.errors + direct.errors)),
        "short_prompt_ttft_p50_ms": _round(short.ttft(50)),
        "direct_tokens_per_s": round(direct.tokens_per_s, 2) if has_direct else None,
        "direct_ttft_p50_ms": _round(direct.ttft(50)) if has_direct else None,
        "serve_overhead_ratio": round(ratio, 3) if ratio else None,
        **{k: _round(v) if isinstance(v, float) else v for k, v in cache.items()},
    }
    _report(figures)
    if args.json:
        print(json.dumps(figures))
    return 0 if not served.errors else 1


async def _direct_generator(args: argparse.Namespace) -> Any:
    """The same model, settings and batching as a replica, in this process."""
    from relaydesk.generation import bench
    from relaydesk.generation.adapters.in_process import InProcessGenerator
    from relaydesk.generation.serve_app import GenerationServer

    bench.progress("direct: loading the same model in this process")
    server = await asyncio.to_thread(GenerationServer, {
        "max_batch_size": args.max_batch_size,
        "device": args.device,
        "dtype": args.dtype,
        "replica_num_cpus": args.replica_cpus,
    })
    generator = InProcessGenerator(server)
    await bench.drive(generator, bench.grounded_requests(1, 4), 1)  # warm-up
    return generator


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _report(f: dict[str, Any]) -> None:
    out = sys.stdout
    print(f"generation bench: {f['model']} on {f['device']}, concurrency {f['concurrency']}, {f['rounds']} x "
          f"{f['requests']} requests x {f['max_new_tokens']} new tokens, max_batch_size {f['max_batch_size']}",
          file=out)
    print(f"  served (Serve HTTP, streamed): {f['tokens_per_s']:.1f} tokens/s, TTFT p50 {_fmt(f['ttft_p50_ms'])}, "
          f"p99 {_fmt(f['ttft_p99_ms'])}, errors {f['errors']} {f['error_types'] or ''}", file=out)
    if f["direct_tokens_per_s"] is not None:
        print(f"  direct (same model in-process): {f['direct_tokens_per_s']:.1f} tokens/s, TTFT p50 "
              f"{_fmt(f['direct_ttft_p50_ms'])}", file=out)
        print(f"  serve overhead ratio (direct / served): {f['serve_overhead_ratio']} (target <= 1.2)", file=out)
    print(f"  short prompt, one at a time, through Serve: TTFT p50 {_fmt(f['short_prompt_ttft_p50_ms'])} "
          "(target < 300 ms)", file=out)
    if "cache_hit_rate" in f:
        print(f"  reply stage on {f['cache_questions']} paraphrases: cache off p50 {_fmt(f['cache_off_p50_ms'])}, "
              f"cache on p50 {_fmt(f['cache_on_p50_ms'])}, hit rate {f['cache_hit_rate']:.2f} "
              f"({f['cache_entries']} approved replies cached), hit p50 {_fmt(f['cache_hit_p50_ms'])}, "
              f"max {_fmt(f['cache_hit_max_ms'])} (target < 50 ms)", file=out)
