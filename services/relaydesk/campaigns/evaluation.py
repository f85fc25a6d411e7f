"""Scoring `relaydesk campaign check` against a scenario set whose attempt lines carry the expected verdict
(`"expect": {"allowed", "rule"}`, derived by hand from the rule text, with a `why`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from relaydesk.campaigns.offline import check_files


def score_part(part: Path) -> dict[str, Any]:
    results, problems = check_files(part / "campaigns", part / "ledger.jsonl", part / "attempts.jsonl")
    expected = [json.loads(line) for line in (part / "attempts.jsonl").read_text(encoding="utf-8").splitlines()
                if line.strip()]
    agree = 0
    forbidden_allowed: list[str] = []
    wrongly_blocked: list[str] = []
    wrong_rule: list[dict[str, Any]] = []
    by_rule: dict[str, dict[str, int]] = {}
    for want, got in zip(expected, results, strict=True):
        rule = want["expect"]["rule"] or "allowed"
        tally = by_rule.setdefault(rule, {"n": 0, "agree": 0})
        tally["n"] += 1
        same = (want["expect"]["allowed"], want["expect"]["rule"]) == (got["allowed"], got["rule"])
        if same:
            agree += 1
            tally["agree"] += 1
        elif got["allowed"] and not want["expect"]["allowed"]:
            forbidden_allowed.append(want["attempt_id"])
        elif not got["allowed"] and want["expect"]["allowed"]:
            wrongly_blocked.append(want["attempt_id"])
        else:
            wrong_rule.append({"attempt_id": want["attempt_id"], "expected": want["expect"]["rule"],
                               "got": got["rule"]})
    n = len(expected)
    return {
        "part": part.name,
        "attempts": n,
        "agreement": round(agree / n, 4) if n else 0.0,
        "forbidden_allowed": forbidden_allowed,
        "wrongly_blocked": wrongly_blocked,
        "wrong_rule": wrong_rule,
        "by_rule": by_rule,
        "input_problems": len(problems),
    }


def score_revocations(path: Path) -> dict[str, Any]:
    """Precision and recall of the revocation detector on `{"text", "lang", "revokes"}` lines, per language."""
    from relaydesk.consent.revocation import revokes

    per_lang: dict[str, dict[str, int]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        tally = per_lang.setdefault(row["lang"], {"tp": 0, "fp": 0, "fn": 0, "tn": 0})
        got, want = revokes(row["text"]), bool(row["revokes"])
        tally[("tp" if want else "fp") if got else ("fn" if want else "tn")] += 1
    total = {k: sum(t[k] for t in per_lang.values()) for k in ("tp", "fp", "fn", "tn")}
    precision = total["tp"] / (total["tp"] + total["fp"]) if total["tp"] + total["fp"] else 0.0
    recall = total["tp"] / (total["tp"] + total["fn"]) if total["tp"] + total["fn"] else 0.0
    return {"rows": sum(total.values()), **total, "precision": round(precision, 4), "recall": round(recall, 4),
            "per_lang": per_lang}
