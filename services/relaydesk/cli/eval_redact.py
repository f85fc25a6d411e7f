"""`relaydesk eval redact --test F`: precision and recall per PII type on a JSONL set
`{"text", "lang"?, "entities": [{"type","start","end"}]}`, against stock Presidio measured in the same run,
and the outbound filter's latency per reply (PII + forbidden claims + groundedness, as the stage runs it).

A table goes to stdout (`--json` for one JSON object instead); progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

DEFAULT_SET = Path("evals/pii/pii_eval.jsonl")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--test", type=Path, default=DEFAULT_SET, help=f"JSONL set (default: {DEFAULT_SET})")
    parser.add_argument("--no-baseline", action="store_true", help="skip stock Presidio")
    parser.add_argument("--no-latency", action="store_true", help="skip the outbound filter latency benchmark")
    parser.add_argument("--show-errors", type=int, default=0, metavar="N",
                        help="list the ids of up to N lines with a miss or a false positive")  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _latency(cases: list[Any]) -> dict[str, Any]:
    from datetime import UTC, datetime

    from relaydesk.compliance.bootstrap import build_deps
    from relaydesk.compliance.core import assess, handle
    from relaydesk.compliance.evaluation import BENCH_SOURCES, percentiles, time_calls_both
    from relaydesk.events import ReplyDraft, RetrievalAnnotation, RetrievalHit

    deps = build_deps()
    policy = deps.tenants.get("bench")
    hits = [
        RetrievalHit(doc_id=f"kb-{i}", chunk_id=f"kb-{i}#0", title=t, text=b, score=0.5, version=1)
        for i, (t, b) in enumerate(BENCH_SOURCES)
    ]
    retrieval = RetrievalAnnotation(kb_version=1, query="bench", hits=hits)

    def draft(text: str, i: int) -> ReplyDraft:
        return ReplyDraft(tenant_id="bench", conversation_id=f"c{i}", turn_id=f"t{i}", reply_id=f"r{i}", text=text,
                          mode="generated", received_at=datetime.now(UTC), retrieval=retrieval)  # fmt: skip

    short = [draft(c.text, i) for i, c in enumerate(cases)]
    long = [draft(" ".join(c.text for c in cases[i : i + 3]), i) for i in range(0, len(cases) - 2, 3)]
    out: dict[str, Any] = {}
    for name, drafts, fn in (
        ("short", short, lambda d: assess(d, deps, policy)),
        ("long", long, lambda d: assess(d, deps, policy)),
        ("handle_long", long, lambda d: handle(d, deps)),
    ):
        _progress(f"timing the outbound filter on {len(drafts)} {name} replies")
        wall, cpu = time_calls_both(fn, drafts)
        stats: dict[str, Any] = dict(percentiles(wall))
        stats["cpu"] = percentiles(cpu)
        stats["mean_chars"] = round(sum(len(d.text) for d in drafts) / max(1, len(drafts)), 1)
        out[name] = stats
    out["load_average_1m"] = round(os.getloadavg()[0], 2)
    return out


def run(args: argparse.Namespace) -> int:
    from relaydesk.compliance.evaluation import load_pii_set, percentiles, score_pii, time_calls
    from relaydesk.compliance.pii import get_redactor

    started = time.perf_counter()
    cases = load_pii_set(args.test)
    _progress(f"loading the redactor; {len(cases)} lines")
    redactor = get_redactor()

    def ours(text: str, lang: str | None) -> list[tuple[str, int, int]]:
        return [(s.type, s.start, s.end) for s in redactor.analyze(text, lang)]

    scores = score_pii(cases, ours, redactor.entity_types)
    result: dict[str, Any] = {"test": str(args.test), "lines": len(cases), "relaydesk": scores.as_dict()}
    result["relaydesk_analyze_ms"] = percentiles(time_calls(lambda c: ours(c.text, c.lang), cases))
    if args.show_errors:
        result["error_ids"] = scores.errors[: args.show_errors]
    if not args.no_baseline:
        from relaydesk.compliance.evaluation import stock_presidio

        _progress("loading stock Presidio (baseline)")
        stock = stock_presidio()
        base = score_pii(cases, stock, _all_stock_types(stock, cases))
        result["stock_presidio"] = base.as_dict()
        result["stock_presidio_analyze_ms"] = percentiles(time_calls(lambda c: stock(c.text, c.lang), cases))
    if not args.no_latency:
        result["outbound_filter_ms"] = _latency(cases)
    result["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(result, ensure_ascii=False) if args.json else _table(result))
    return 0


def _all_stock_types(stock: Any, cases: list[Any]) -> set[str]:
    # Score every type stock Presidio reports, so its dates and locations count against untouched negatives.
    found = {p[0] for c in cases for p in stock(c.text, c.lang)}
    return found | {t for c in cases for t, _, _ in c.entities}


def _table(r: dict[str, Any]) -> str:
    ours, base = r["relaydesk"], r.get("stock_presidio")
    lines = [f"PII redaction on {r['test']} ({r['lines']} lines, {ours['negatives']} negatives)", ""]
    head = f"{'type':<16}{'support':>8}{'precision':>11}{'recall':>8}"
    lines.append(head + (f"   | stock presidio {'precision':>10}{'recall':>8}" if base else ""))
    types = sorted(set(ours["per_type"]) | (set(base["per_type"]) if base else set()))
    for t in [*types, "structured"]:
        o = ours["structured"] if t == "structured" else ours["per_type"].get(t)
        b = (base["structured"] if t == "structured" else base["per_type"].get(t)) if base else None
        row = f"{t:<16}{(o or {}).get('support', 0):>8}"
        row += f"{o['precision']:>11.3f}{o['recall']:>8.3f}" if o else f"{'-':>11}{'-':>8}"
        if base:
            empty = f"   | {'':>15}{'-':>10}{'-':>8}"
            row += f"   | {'':>15}{b['precision']:>10.3f}{b['recall']:>8.3f}" if b else empty
        lines.append(row)
    lines.append("")
    lines.append(f"negatives untouched: {ours['negatives_untouched']:.3f}"
                 + (f"   (stock presidio {base['negatives_untouched']:.3f})" if base else ""))  # fmt: skip
    lines.append(f"gold spans not fully masked: {ours['leaked_spans']} of {ours['gold_spans']}"
                 + (f"   (stock presidio {base['leaked_spans']})" if base else ""))  # fmt: skip
    a = r["relaydesk_analyze_ms"]
    lines.append(f"analyze per line: p50 {a['p50']:.2f} ms, p99 {a['p99']:.2f} ms")
    if base:
        s = r["stock_presidio_analyze_ms"]
        ratio = s["p50"] / a["p50"] if a["p50"] else float("nan")
        lines.append(f"stock presidio per line: p50 {s['p50']:.2f} ms, p99 {s['p99']:.2f} ms  "
                     f"(relaydesk is {ratio:.1f}x faster at p50)")  # fmt: skip
    if "outbound_filter_ms" in r:
        bench = r["outbound_filter_ms"]
        lines.append("")
        load = bench["load_average_1m"]
        lines.append("outbound filter per reply (PII + forbidden claims + groundedness; handle = with events), "
                     f"target p99 <= 20 ms; load average {load} on {os.cpu_count()} cores:")  # fmt: skip
        for name in ("short", "long", "handle_long"):
            s, c = bench[name], bench[name]["cpu"]
            lines.append(f"  {name:<12} n={s['n']}, {s['mean_chars']:.0f} chars: wall p50 {s['p50']:.2f} / p99 "
                         f"{s['p99']:.2f} ms; cpu p50 {c['p50']:.2f} / p99 {c['p99']:.2f} ms")  # fmt: skip
    if "error_ids" in r:
        lines.append("")
        lines.append("lines with an error: " + ", ".join(r["error_ids"]))
    lines.append(f"\n{r['seconds']} s")
    return "\n".join(lines)
