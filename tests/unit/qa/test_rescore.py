"""Replay: transcripts rebuilt from events read from the log, re-scored under a changed rubric with ids that
repeat on a second run, filtered by time and tenant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from relaydesk.events import ComplianceVerdict, Reply, TurnAnnotated, TurnBody
from relaydesk.qa.bootstrap import build_deps
from relaydesk.qa.rescore import fold, rescore
from relaydesk.qa.rubric import default_rubric, parse_rubric

T0 = datetime(2026, 12, 1, 12, tzinfo=UTC)


def events(cid: str, tenant: str, at: datetime) -> list[object]:
    turn = TurnAnnotated(tenant_id=tenant, conversation_id=cid, received_at=at, occurred_at=at,
                         turn=TurnBody(turn_id="t1", channel="webchat", speaker="customer", text="hi"))
    reply = Reply(tenant_id=tenant, conversation_id=cid, turn_id="t1", reply_id=f"r-{cid}", text="Hello! Bye.",
                  mode="generated", handoff=False, compliance=ComplianceVerdict(verdict="pass"), received_at=at,
                  occurred_at=at + timedelta(seconds=1))
    return [turn, reply]


def test_when_rescored_under_changed_rubric_then_new_version_and_stable_ids() -> None:
    log = events("old", "acme", T0 - timedelta(days=2)) + events("new", "acme", T0) + events("x", "other", T0)
    transcripts = fold(log)  # type: ignore[arg-type]
    changed = parse_rubric("name: c\nsections:\n  - id: s\n    questions:\n      - id: closing\n")
    first = rescore(transcripts, build_deps(), since=T0 - timedelta(hours=1), rubric=changed, tenant="acme")
    assert [s.conversation_id for s in first] == ["new"]
    assert first[0].rubric_version == changed.version != default_rubric().version
    assert first[0].closed_by == "rescore" and first[0].turns == 2
    second = rescore(fold(log), build_deps(), since=T0 - timedelta(hours=1), rubric=changed, tenant="acme")  # type: ignore[arg-type]
    assert [s.event_id for s in second] == [s.event_id for s in first]
    everything = rescore(transcripts, build_deps())
    assert {s.conversation_id for s in everything} == {"old", "new", "x"}
