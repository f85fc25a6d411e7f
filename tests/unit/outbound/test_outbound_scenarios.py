"""`relaydesk campaign check` on the project's own scenario sets (evals/outbound): the dev part verdict by
verdict, the held-out test part by its agreement and, above all, no attempt allowed that the rules forbid."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from relaydesk.campaigns.evaluation import score_part, score_revocations
from relaydesk.cli.main import main

EVALS = Path(__file__).resolve().parents[3] / "evals" / "outbound"


def _expected(part: Path) -> list[dict]:
    return [json.loads(line) for line in (part / "attempts.jsonl").read_text(encoding="utf-8").splitlines() if line]


def test_when_cli_runs_on_dev_part_then_every_verdict_matches(capsys: pytest.CaptureFixture[str]) -> None:
    part = EVALS / "dev"
    code = main(["campaign", "check", "--campaigns", str(part / "campaigns"), "--ledger", str(part / "ledger.jsonl"),
                 "--attempts", str(part / "attempts.jsonl")])
    assert code == 0
    captured = capsys.readouterr()
    got = [json.loads(line) for line in captured.out.splitlines()]
    want = _expected(part)
    assert [g["attempt_id"] for g in got] == [w["attempt_id"] for w in want]
    assert set(got[0]) == {"attempt_id", "allowed", "rule"}
    mismatches = [(w["attempt_id"], w["why"], g) for w, g in zip(want, got, strict=True)
                  if (g["allowed"], g["rule"]) != (w["expect"]["allowed"], w["expect"]["rule"])]
    assert mismatches == []
    # The broken campaign file and the unreadable ledger line are reported by name and line number.
    assert "broken.yaml: channel:" in captured.err
    assert "ledger.jsonl:47: at:" in captured.err


def test_when_test_part_scored_then_nothing_forbidden_is_allowed() -> None:
    report = score_part(EVALS / "test")
    print(json.dumps({k: report[k] for k in ("attempts", "agreement", "forbidden_allowed")}))
    assert report["attempts"] >= 50
    assert report["forbidden_allowed"] == []
    assert report["agreement"] >= 0.95


def test_when_revocation_test_set_scored_then_no_false_revocation_and_high_recall() -> None:
    report = score_revocations(EVALS / "revocation" / "test.jsonl")
    print(json.dumps({k: report[k] for k in ("rows", "precision", "recall")}))
    assert set(report["per_lang"]) == {"en", "zh", "ja", "id"}
    assert report["fp"] == 0
    assert report["recall"] >= 0.9
