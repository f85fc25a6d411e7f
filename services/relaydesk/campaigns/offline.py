"""`relaydesk campaign check`, offline: campaigns from a directory, the ledger and the attempts from JSONL files,
the same `policy.check` the dialer runs. Unreadable lines are reported on stderr by line number and block what
they may have been about."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from relaydesk.campaigns.model import Campaign, load_campaign_dir
from relaydesk.campaigns.policy import Attempt, Decision, blocked, check
from relaydesk.consent.ledger import Ledger, LedgerLineError, parse_line, parse_time, taint_scope


@dataclass
class CheckRun:
    campaigns: dict[str, Campaign]
    ledger: Ledger
    problems: list[str] = field(default_factory=list)


def _json_lines(path: Path) -> Iterator[tuple[int, Any, str | None]]:
    """(line number, parsed document or None, error) for each non-blank line."""
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield number, json.loads(line), None
            except json.JSONDecodeError as exc:
                yield number, None, f"not JSON ({type(exc).__name__} at column {exc.colno})"


def load_ledger(path: Path, problems: list[str]) -> Ledger:
    ledger = Ledger()
    for number, doc, error in _json_lines(path):
        if error is not None:
            problems.append(f"{path.name}:{number}: {error}")
            ledger.taint(None, None)  # could have been about anyone
            continue
        try:
            entry = parse_line(doc)
        except LedgerLineError as exc:
            problems.extend(f"{path.name}:{number}: {p}" for p in exc.problems)
            ledger.taint(*taint_scope(doc))
            continue
        if entry is not None:
            ledger.add(entry)
    return ledger


def load(campaigns_dir: Path, ledger_path: Path) -> CheckRun:
    problems: list[str] = []
    campaigns, errors = load_campaign_dir(campaigns_dir)
    for name, file_problems in errors.items():
        problems.extend(f"{name}: {p}" for p in file_problems)
    return CheckRun(campaigns=campaigns, ledger=load_ledger(ledger_path, problems), problems=problems)


def parse_attempt(doc: Any) -> Attempt:
    if not isinstance(doc, dict):
        raise LedgerLineError(["(root): must be a JSON object"])
    missing = [k for k in ("attempt_id", "campaign_id", "phone", "at") if not isinstance(doc.get(k), str)]
    if missing:
        raise LedgerLineError([f"{k}: required string" for k in missing])
    kind = doc.get("kind", "dial")
    if kind not in ("dial", "retry", "callback", "message"):
        raise LedgerLineError(["kind: must be dial, retry, callback or message"])
    return Attempt(doc["attempt_id"], doc["campaign_id"], doc["phone"], parse_time(doc["at"], "at"), kind)


def decide(run: CheckRun, doc: Any) -> tuple[str, Decision]:
    attempt_id = str(doc.get("attempt_id")) if isinstance(doc, dict) else "?"
    try:
        attempt = parse_attempt(doc)
    except LedgerLineError as exc:
        return attempt_id, blocked("unreadable_attempt", "; ".join(exc.problems))
    campaign = run.campaigns.get(attempt.campaign_id)
    if campaign is None:
        return attempt_id, blocked("unknown_campaign", "no readable campaign with this id")
    return attempt_id, check(attempt, campaign, run.ledger)


def check_files(campaigns_dir: Path, ledger_path: Path, attempts_path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """One result per attempt line (`{"attempt_id", "allowed", "rule", "evidence"}`) and the problems found."""
    run = load(campaigns_dir, ledger_path)
    results = []
    for number, doc, error in _json_lines(attempts_path):
        if error is not None:
            run.problems.append(f"{attempts_path.name}:{number}: {error}")
            results.append({**blocked("unreadable_attempt", error).as_json(f"line-{number}")})
            continue
        attempt_id, decision = decide(run, doc)
        results.append({**decision.as_json(attempt_id), "evidence": decision.evidence})
    return results, run.problems
