"""Automatic QA on the shared stack: a conversation closed by an agent has its `qa.scored` within seconds
(GET /v1/conversations/{id}/qa, tenant-scoped), `relaydesk qa rescore` scores it again under a changed rubric
as a new version, and a grader's labels turn into agreement figures and the QA_KAPPA metric."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from stack_helpers import RunningStack, client, poll

CHANGED_RUBRIC = """name: closing-only
sections:
  - id: closing
    questions:
      - id: closing
        weight: 1
      - id: greeting
        weight: 1
"""






def qa_of(api: httpx.Client, conversation_id: str) -> dict[str, Any] | None:
    r = api.get(f"/v1/conversations/{conversation_id}/qa")
    if r.status_code == 404:
        return None
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_when_conversation_closed_then_scored_rescored_and_calibrated(stack: RunningStack, tmp_path: Path) -> None:
    demo = client(stack, str(stack.info["api_key"]))
    conv = f"c-qa-{uuid.uuid4().hex[:10]}"
    started = datetime.now(UTC) - timedelta(seconds=5)

    # A customer asks for a person; an agent claims, answers and closes the conversation.
    r = demo.post("/v1/messages", json={"conversation_id": conv, "turn_id": "t-1", "channel": "webchat",
                                        "speaker": "customer", "text": "I'm upset. Let me talk to a real person."})
    assert r.status_code == 202, r.text
    poll(lambda: demo.get("/v1/agent/queue").json()["items"],
         lambda items: any(i["conversation_id"] == conv for i in items), 90, "queue item")
    assert demo.post(f"/v1/agent/conversations/{conv}/claim", json={"agent_id": "qa-ana"}).status_code == 200
    sent = demo.post(f"/v1/agent/conversations/{conv}/messages",
                     json={"agent_id": "qa-ana", "text": "Hi, I'm Ana. Sorry about that. Anything else I can do?"})
    assert sent.status_code == 202, sent.text
    poll(lambda: demo.get(f"/v1/conversations/{conv}/replies", params={"wait": 2}).json()["items"],
         lambda items: any(i["kind"] == "reply" and i["data"]["reply"].get("speaker") == "agent" for i in items),
         60, "agent reply")
    closed_at = time.monotonic()
    released = demo.post(f"/v1/agent/conversations/{conv}/release", json={"to": "closed"})
    assert released.status_code == 200 and released.json()["state"] == "closed", released.text

    # qa.scored within seconds of the close, with evidence for every `no`.
    qa = poll(lambda: qa_of(demo, conv), lambda q: q is not None, 60, "qa.scored")
    scored_in_s = time.monotonic() - closed_at
    latest = qa["latest"]
    answers = {a["question"]: a for a in latest["answers"]}
    assert len(answers) == 10 and latest["closed_by"] in {"state", "idle"}
    assert all(a["evidence"] for a in answers.values() if a["answer"] == "no")
    assert answers["handoff_honoured"]["answer"] == "yes" and answers["closing"]["answer"] == "yes"
    print(f"qa.scored {scored_in_s:.1f} s after the close ({latest['closed_by']})")

    # Another tenant sees nothing.
    other = client(stack, str(stack.cli_json("tenant", "add", f"qa{uuid.uuid4().hex[:6]}")["api_key"]))
    assert other.get(f"/v1/conversations/{conv}/qa").status_code == 404

    # Rescore from the log under a changed rubric: a new version, the old one kept.
    rubric = tmp_path / "rubric.yaml"
    rubric.write_text(CHANGED_RUBRIC)
    summary = stack.cli_json("qa", "rescore", "--since", started.isoformat(), "--rubric", str(rubric),
                             "--tenant", "demo")
    assert conv in summary["conversation_ids"] and len(summary["rubric_versions"]) == 1
    new_version = summary["rubric_versions"][0]
    assert new_version != latest["rubric_version"]
    rescored = poll(lambda: qa_of(demo, conv),
                    lambda q: q is not None and any(v["rubric_version"] == new_version for v in q["versions"]),
                    30, "rescored version")
    assert {v["rubric_version"] for v in rescored["versions"]} == {new_version, latest["rubric_version"]}
    assert rescored["latest"]["closed_by"] == "rescore" and len(rescored["latest"]["answers"]) == 2

    # A grader's labels: agreement per question for the version graded, and QA_KAPPA in /metrics.
    human = {q: a["answer"] for q, a in answers.items()}
    label = demo.post("/v1/qa/labels", json={"conversation_id": conv, "grader_id": "grader-1",
                                             "rubric_version": latest["rubric_version"], "answers": human})
    assert label.status_code == 202, label.text
    agreement = poll(lambda: demo.get("/v1/qa/agreement").json()["rubric_versions"],
                     lambda v: latest["rubric_version"] in v, 30, "agreement")
    figures = agreement[latest["rubric_version"]]
    assert figures["labels"] == 1 and figures["questions"]["closing"]["accuracy"] == 1.0
    metrics = httpx.get(f"{stack.info['gateway']}/metrics", timeout=30).text
    kappas = {
        (s.labels["rubric_version"], s.labels["question"]): s.value
        for family in text_string_to_metric_families(metrics)
        if family.name == "relaydesk_qa_kappa"
        for s in family.samples
    }
    assert kappas[(latest["rubric_version"], "closing")] == 1.0
