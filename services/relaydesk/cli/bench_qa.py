"""`relaydesk bench qa`: QA scoring throughput in this process (conversations per second, latency per
conversation), for the full scorer and, in the same run, a cue-only baseline (the same checks without the PII
recognisers and the groundedness rules), with the agreement each reaches when the file has labels."""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

DEFAULT_FILES = ("evals/qa/dev.jsonl", "evals/qa/test.jsonl")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--conversations", type=Path, action="append", default=None,
                        help="JSONL conversations (repeatable); default: the QA evaluation set")
    parser.add_argument("--repeat", type=int, default=3, help="passes over the conversations per scorer")


def run(args: argparse.Namespace) -> int:
    from relaydesk.qa.bootstrap import build_scorer
    from relaydesk.qa.checks import CheckContext
    from relaydesk.qa.evaluation import agreement_report
    from relaydesk.qa.jsonl import read_conversations
    from relaydesk.qa.rubric import default_rubric
    from relaydesk.qa.scorer import QaResult, default_context

    files = args.conversations or [Path(f) for f in DEFAULT_FILES]
    conversations, labels = [], []
    for path in files:
        convs, labs = read_conversations(path, with_labels=True)
        conversations += convs
        labels += labs
    rubric = default_rubric()
    cue_only = CheckContext(pii_spans=lambda text: [], claims=lambda text, sources: ([], []))
    scorers = {"full": build_scorer(rubric, default_context()), "cue_only_baseline": build_scorer(rubric, cue_only)}
    for score in scorers.values():  # warm up: regex compilation, recogniser construction
        score(conversations[0])
    report: dict[str, object] = {"conversations": len(conversations), "repeat": args.repeat,
                                 "turns": sum(len(c.turns) for c in conversations)}
    for name, score in scorers.items():
        times: list[float] = []
        results: list[QaResult] = []
        started = time.perf_counter()
        for _ in range(args.repeat):
            results = []
            for conv in conversations:
                t0 = time.perf_counter()
                results.append(score(conv))
                times.append(time.perf_counter() - t0)
        elapsed = time.perf_counter() - started
        predicted = [{q: a.answer for q, a in r.answers.items()} for r in results]
        agreement = agreement_report(predicted, labels, rubric)
        report[name] = {
            "conversations_per_s": round(len(times) / elapsed, 1),
            "p50_ms": round(1000 * statistics.median(times), 2),
            "p95_ms": round(1000 * sorted(times)[int(0.95 * (len(times) - 1))], 2),
            "mean_kappa": agreement["mean_kappa"],
            "auto_fail": agreement["auto_fail"],
        }
    print(json.dumps(report))
    return 0
