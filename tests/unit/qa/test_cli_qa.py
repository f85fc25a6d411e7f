"""`relaydesk qa score` and `relaydesk eval qa` on small files: the JSONL shapes of the issue are the interface."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from relaydesk.cli.main import main

ROW = {
    "conversation_id": "c1", "direction": "inbound", "channel": "webchat", "lang": "en",
    "knowledge": [{"doc_id": "d", "title": "Refunds", "body": "Refunds are issued within 5 business days."}],
    "turns": [{"speaker": "customer", "text": "How long do refunds take?"},
              {"speaker": "bot", "text": "Hello! Refunds are issued within 5 business days."},
              {"speaker": "bot", "text": "Is there anything else I can help with?"}],
}


def test_when_qa_score_run_then_one_line_per_conversation_in_the_issue_shape(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps(ROW) + "\n" + json.dumps({**ROW, "conversation_id": "c2"}) + "\n")
    assert main(["qa", "score", "--conversations", str(path)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["conversation_id"] for line in lines] == ["c1", "c2"]
    first = lines[0]
    assert set(first) >= {"conversation_id", "answers", "score", "auto_failed"}
    assert set(first["answers"]["grounded"]) >= {"answer", "confidence", "evidence"}
    assert first["answers"]["grounded"]["answer"] == "yes" and first["score"] == 100.0


def test_when_eval_qa_run_then_kappa_per_question_and_baseline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = {**ROW, "labels": {"grounded": "yes", "closing": "yes"}}
    bad = {**ROW, "conversation_id": "c2", "turns": ROW["turns"][:2], "labels": {"grounded": "yes", "closing": "no"}}
    path = tmp_path / "l.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n")
    assert main(["eval", "qa", "--conversations", str(path)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["questions"]["closing"] == {"n": 2, "accuracy": 1.0, "kappa": 1.0}
    assert "baseline" in report and report["no_without_evidence"] == 0
    assert set(report["per_language"]) == {"en"}


def test_when_file_is_not_conversations_then_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text('{"conversation_id": "c1", "turns": []}\n')
    assert main(["qa", "score", "--conversations", str(path)]) == 2
    assert "turns" in capsys.readouterr().err
