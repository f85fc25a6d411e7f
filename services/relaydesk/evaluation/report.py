"""The reply eval's figures, from each question's outcome: pure, so the scoring rules are unit-tested.

- `facts_share`: in-scope questions whose final reply contains one of their `facts_any` strings.
- `compliance_pass_share`: replies compliance passed unchanged (not redacted, not blocked).
- `median_reply_chars`: the final reply's length in characters, over every question.
- `decline_share`: out-of-scope questions answered with "I can't answer that / a person can help": the reply
  hands the turn to a person, quotes no article, or says why it could not answer (a fallback reason in
  `DECLINE_REASONS`). `false_decline_share` is the same on in-scope questions (lower is better).
- `latency_ms`: p50 / p95 per stage and end to end (the sum of the stage calls for one turn).
- `baseline`: the same figures for the extractive-only arm, on the same turns in the same run.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from typing import Any

from relaydesk.bench.stats import percentiles
from relaydesk.evaluation.outcome import BASELINE, SYSTEM, UPSTREAM, ArmReply, Outcome
from relaydesk.evaluation.questions import has_fact

# Why a draft could not answer, in the words the generation core uses (fallback_reason).
DECLINE_REASONS = frozenset({"no_knowledge", "out_of_scope", "no_answer"})


def declined(reply: ArmReply) -> bool:
    return (
        reply.handoff
        or reply.mode == "handoff"
        or not reply.sources_used
        or (reply.fallback_reason or "") in DECLINE_REASONS
    )


def _share(flags: Sequence[bool]) -> float | None:
    return round(sum(flags) / len(flags), 4) if flags else None


def _lat(values: Sequence[float]) -> dict[str, float]:
    return percentiles(values, (50, 95))


def arm_figures(outcomes: Sequence[Outcome], arm: str) -> dict[str, Any]:
    replies = [o.arms[arm] for o in outcomes]
    answerable = [o for o in outcomes if not o.question.declines]
    out_of_scope = [o for o in outcomes if o.question.declines]
    figures: dict[str, Any] = {
        "facts_share": _share([has_fact(o.arms[arm].text, o.question.facts_any) for o in answerable]),
        "compliance_pass_share": _share([r.verdict == "pass" for r in replies]),
        "median_reply_chars": statistics.median(len(r.text) for r in replies) if replies else None,
        "decline_share": _share([declined(o.arms[arm]) for o in out_of_scope]),
        "false_decline_share": _share([declined(o.arms[arm]) for o in answerable]),
        "modes": dict(sorted(Counter(r.mode for r in replies).items())),
        "fallback_reasons": dict(sorted(Counter(r.fallback_reason or "none" for r in replies).items())),
        "verdicts": dict(sorted(Counter(r.verdict for r in replies).items())),
    }
    figures["latency_ms"] = {
        "generation": _lat([r.generation_ms for r in replies]),
        "compliance": _lat([r.compliance_ms for r in replies]),
        "total": _lat([o.total_ms(arm) for o in outcomes]),
    }
    return figures


def by_lang(outcomes: Sequence[Outcome]) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[Outcome]] = {}
    for o in outcomes:
        groups.setdefault(o.question.lang, []).append(o)
    out: dict[str, dict[str, Any]] = {}
    for lang, items in sorted(groups.items()):
        answerable = [o for o in items if not o.question.declines]
        out[lang] = {
            "n": len(items),
            "facts_share": _share([has_fact(o.arms[SYSTEM].text, o.question.facts_any) for o in answerable]),
            "baseline_facts_share": _share(
                [has_fact(o.arms[BASELINE].text, o.question.facts_any) for o in answerable]
            ),
            "retrieval_top1": _share([o.top_doc == o.question.doc_id for o in answerable]),
        }
    return out


def summarise(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """The one JSON object the CLI prints (the system's figures at top level, the baseline's under
    `baseline`)."""
    answerable = [o for o in outcomes if not o.question.declines]
    system = arm_figures(outcomes, SYSTEM)
    baseline = arm_figures(outcomes, BASELINE)
    system["latency_ms"] = {
        **{stage: _lat([o.upstream_ms[stage] for o in outcomes]) for stage in UPSTREAM},
        **system["latency_ms"],
    }
    report: dict[str, Any] = {
        "questions": len(outcomes),
        "in_scope": len(answerable),
        "out_of_scope": len(outcomes) - len(answerable),
        **system,
        "retrieval_top1": _share([o.top_doc == o.question.doc_id for o in answerable]),
        "intent_out_of_scope_share": {
            "in_scope": _share([o.intent_out_of_scope for o in answerable]),
            "out_of_scope": _share([o.intent_out_of_scope for o in outcomes if o.question.declines]),
        },
        "baseline": {"system": "extractive-only (generation off)", **baseline},
        "by_lang": by_lang(outcomes),
    }
    if system["facts_share"] is not None and baseline["facts_share"] is not None:
        report["facts_share_minus_baseline"] = round(system["facts_share"] - baseline["facts_share"], 4)
    return report
