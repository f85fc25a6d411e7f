"""`relaydesk eval replies --kb KB.jsonl --questions Q.jsonl [--split dev|test] [--limit N] [--json]`:
index the knowledge into a throwaway Qdrant Edge store, run every question through the stage cores the stack
runs (guard, intent, emotion, retrieval, generation with the model in this process, compliance), and score
the final replies against the extractive-only baseline computed on the same turns in the same run.

Progress goes to stderr; stdout gets a short summary (unless `--json`) and then one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
import time
from pathlib import Path
from typing import Any


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--kb", type=Path, required=True, help="JSONL documents {doc_id,title,body,lang?}")
    parser.add_argument("--questions", type=Path, required=True,
                        help="JSONL {id,lang,question,doc_id,facts_any[,expect:\"decline\"]}")
    parser.add_argument("--split", choices=("dev", "test"), default=None,
                        help="only the questions whose id starts with this split (default: all in the file)")
    parser.add_argument("--limit", type=int, default=None,
                        help="at most N questions, spread over the file, out-of-scope ones in proportion")
    parser.add_argument("--concurrency", type=int, default=1,
                        help="questions in flight at once (1: each turn's latency is its own)")
    parser.add_argument("--details", type=Path, default=None,
                        help="also write one JSONL line per question (both arms' replies) to this file")
    parser.add_argument("--json", action="store_true", help="stdout carries only the JSON line")


_STARTED = time.perf_counter()


def progress(message: str) -> None:
    print(f"{time.perf_counter() - _STARTED:7.1f}s {message}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from relaydesk.evaluation.questions import QuestionError, load_questions, select
    from relaydesk.knowledge.documents import DocumentError, parse_jsonl

    try:
        docs = parse_jsonl(args.kb)
        questions = select(load_questions(args.questions), args.split, args.limit)
    except (DocumentError, QuestionError, OSError) as exc:
        print(f"eval replies: {exc}", file=sys.stderr)
        return 2
    if not questions:
        print("eval replies: no questions selected", file=sys.stderr)
        return 2
    started = time.perf_counter()
    report = asyncio.run(_evaluate(docs, questions, args))
    report = {
        "kb": str(args.kb), "questions_file": str(args.questions), "split": args.split, "limit": args.limit,
        "concurrency": args.concurrency, **report, "seconds": round(time.perf_counter() - started, 1),
    }
    if not args.json:
        _summary(report)
    print(json.dumps(report, ensure_ascii=False))
    return 0


async def _evaluate(docs: Any, questions: Any, args: argparse.Namespace) -> dict[str, Any]:
    from relaydesk.evaluation.outcome import BASELINE, SYSTEM, Outcome
    from relaydesk.evaluation.pipeline import answer_all, build_pipeline
    from relaydesk.evaluation.questions import has_fact
    from relaydesk.evaluation.report import summarise

    started = time.perf_counter()
    pipeline = await asyncio.to_thread(build_pipeline, docs, None, progress)
    setup_s = time.perf_counter() - started
    details = args.details.open("w", encoding="utf-8") if args.details else None

    def on_outcome(i: int, o: Outcome) -> None:
        s, b = o.arms[SYSTEM], o.arms[BASELINE]
        q = o.question
        fact = "-" if q.declines else ("yes" if has_fact(s.text, q.facts_any) else "no")
        progress(f"[{i + 1}/{len(questions)}] {q.id} {s.mode}/{s.fallback_reason or '-'} {s.verdict} fact={fact} "
                 f"{o.total_ms(SYSTEM):.0f} ms")
        if details is not None:
            details.write(json.dumps({
                "id": q.id, "lang": q.lang, "doc_id": q.doc_id, "top_doc": o.top_doc, "intent": o.intent_label,
                "intent_out_of_scope": o.intent_out_of_scope, "upstream_ms": o.upstream_ms,
                **{name: {"text": r.text, "mode": r.mode, "fallback_reason": r.fallback_reason,
                          "verdict": r.verdict, "sources_used": list(r.sources_used),
                          "fact": None if q.declines else has_fact(r.text, q.facts_any),
                          "generation_ms": round(r.generation_ms, 1)}
                   for name, r in ((SYSTEM, s), (BASELINE, b))},
            }, ensure_ascii=False) + "\n")

    done: list[Outcome] = []

    def record(i: int, o: Outcome) -> None:
        done.append(o)
        on_outcome(i, o)

    # `timeout` (or a Ctrl-C) ends the run with the figures of the questions answered so far, marked partial.
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, task.cancel)
    started = time.perf_counter()
    partial = False
    try:
        await answer_all(pipeline, questions, args.concurrency, progress, record)
    except asyncio.CancelledError:
        task.uncancel()
        partial = True
        progress(f"stopped: reporting the {len(done)} of {len(questions)} questions answered")
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        pipeline.close()
        if details is not None:
            details.close()
    if not done:
        raise SystemExit("eval replies: stopped before any question was answered")
    outcomes = done
    return {
        "system": "guard > intent > emotion > retrieval > generation > compliance (cores in one process)",
        "model": pipeline.model_id,
        "embedder": pipeline.embedder_id,
        **summarise(outcomes),
        "partial": partial,
        "setup_s": round(setup_s, 1),
        "answer_s": round(time.perf_counter() - started, 1),
    }


def _summary(r: dict[str, Any]) -> None:
    b = r["baseline"]
    lat = r["latency_ms"]
    print(f"reply eval: {r['questions']} questions ({r['in_scope']} in scope, {r['out_of_scope']} out of scope), "
          f"model {r['model']}")
    print(f"  facts:      system {r['facts_share']}  baseline {b['facts_share']}")
    print(f"  compliance: system {r['compliance_pass_share']}  baseline {b['compliance_pass_share']}")
    print(f"  median reply chars: system {r['median_reply_chars']}  baseline {b['median_reply_chars']}")
    print(f"  declined out-of-scope: system {r['decline_share']}  baseline {b['decline_share']}")
    print(f"  latency p50/p95 ms: total {lat['total']['p50']}/{lat['total']['p95']}, generation "
          f"{lat['generation']['p50']}/{lat['generation']['p95']}; baseline total "
          f"{b['latency_ms']['total']['p50']}/{b['latency_ms']['total']['p95']}")
