"""The whole stack, driven through the gateway and the CLI, as a user would."""

from __future__ import annotations

import json
import re
import time
import uuid
from pathlib import Path

from confluent_kafka.admin import AdminClient

from kafka_helpers import read_topics
from relaydesk.common.kafka import produce_and_wait, sync_producer
from relaydesk.common.settings import KafkaSettings
from relaydesk.common.topics import Topics, all_topic_specs
from relaydesk.guard.app import archive_topic
from stack_helpers import WARP_DOC, RunningStack, add_tenant_with_document, search_for

CARD = "4111 1111 1111 1111"
CARD_DIGITS = CARD.replace(" ", "")
EMAIL = "jane.doe.e2e@example.com"
RAW_ARCHIVE_PREFIX = archive_topic("")
PIPELINE_SERVICES = {"gateway", "knowledge"}
# Where the local stack may run the first stages: guard, intent and emotion in one process (the default), intent and
# emotion in one, or each apart.
FRONT_LAYOUTS = ({"guard-nlu"}, {"guard", "nlu"}, {"guard", "intent", "emotion"})
# And the last two: generation and compliance chained in one process (the default, stack/layout.py), or apart.
BACK_LAYOUTS = ({"reply"}, {"generation", "compliance"})


def _layout(stack: RunningStack, layouts: tuple[set[str], ...]) -> set[str]:
    services = stack.state["services"]
    assert isinstance(services, dict)
    return next(layout for layout in layouts if all(f"worker-{name}" in services for name in layout))


def front_services(stack: RunningStack) -> set[str]:
    return _layout(stack, FRONT_LAYOUTS)


def pipeline_services(stack: RunningStack) -> set[str]:
    """The trace's services, in the stack's layout."""
    return PIPELINE_SERVICES | front_services(stack) | _layout(stack, BACK_LAYOUTS)


def kafka_of(stack: RunningStack) -> KafkaSettings:
    return KafkaSettings(bootstrap=str(stack.state["broker"]))


def chat(stack: RunningStack, text: str, *extra: str) -> dict:
    return stack.cli_json("chat", "--tenant", "demo", *extra, text)


def spans_of(home: Path, trace_id: str, expected: set[str], deadline_s: float = 20) -> list[dict]:
    """Spans of one trace from every process's span file (exported in batches, so poll briefly)."""
    end = time.monotonic() + deadline_s
    spans: list[dict] = []
    while time.monotonic() < end:
        spans = []
        for path in (home / "traces").glob("*.jsonl"):
            for line in path.read_text().splitlines():
                span = json.loads(line)
                if span["context"]["trace_id"].removeprefix("0x") == trace_id:
                    spans.append(span)
        services = {s["resource"]["attributes"]["service.name"].removeprefix("relaydesk-") for s in spans}
        if services >= expected:
            break
        time.sleep(0.5)
    return spans


def test_when_customer_asks_to_block_card_then_reply_carries_every_annotation(stack: RunningStack) -> None:
    out = chat(stack, "I lost my credit card yesterday, can you block it?")
    assert out["reply"]["text"].strip()
    assert isinstance(out["reply"]["handoff"], bool)
    assert out["intent"]["label"] == "lost_or_stolen_card" and 0 < out["intent"]["confidence"] <= 1
    assert out["emotion"]["label"] in {"anger", "disgust", "fear", "joy", "sadness", "surprise", "neutral"}
    assert -1 <= out["emotion"]["sentiment"] <= 1 and isinstance(out["emotion"]["escalate"], bool)
    assert out["sources"], "the reply cites no knowledge"
    for source in out["sources"]:
        assert source["doc_id"] and source["title"] and source["kb_version"] >= 1
    assert out["compliance"]["verdict"] in {"pass", "redacted", "blocked"}
    assert re.fullmatch(r"[0-9a-f]{32}", out["trace_id"])
    assert out["latency_ms"] > 0

    expected = pipeline_services(stack)
    spans = spans_of(stack.home, out["trace_id"], expected)
    services = {s["resource"]["attributes"]["service.name"].removeprefix("relaydesk-") for s in spans}
    assert services >= expected, f"hops missing from the trace: {expected - services}"


def test_when_follow_up_in_same_conversation_then_answered(stack: RunningStack) -> None:
    first = chat(stack, "I lost my credit card yesterday, can you block it?")
    follow = chat(stack, "And how long will the replacement take?", "--conversation", first["conversation_id"])
    assert follow["conversation_id"] == first["conversation_id"] and follow["reply"]["text"].strip()


def test_when_malformed_turn_produced_then_dead_lettered_and_pipeline_keeps_going(stack: RunningStack) -> None:
    kafka = kafka_of(stack)
    marker = uuid.uuid4().hex
    produce_and_wait(sync_producer(kafka), Topics.TURNS_RAW, f'{{"oops": "{marker}"'.encode(), key=b"bad-conv")
    records = read_topics(kafka, [Topics.TURNS_RAW + ".dlq"], lambda rs: any(marker.encode() in _b64(r) for r in rs))
    (dead,) = [json.loads(r.value) for r in records if marker.encode() in _b64(r)]
    guard = "guard-nlu" if "guard-nlu" in front_services(stack) else "guard"  # the stage that reads turns.raw
    assert dead["service"] == guard and dead["error_type"] == "not_json" and dead["reason"]
    assert chat(stack, "Where is my order?")["reply"]["text"].strip()


def _b64(record) -> bytes:
    import base64

    return base64.b64decode(json.loads(record.value).get("value_b64", ""))


def test_when_pii_sent_then_nothing_downstream_of_ingest_holds_it(stack: RunningStack) -> None:
    out = chat(stack, f"My card {CARD} was stolen, write to me at {EMAIL}")
    assert CARD_DIGITS not in out["reply"]["text"].replace(" ", "") and EMAIL not in out["reply"]["text"]
    kafka = kafka_of(stack)
    restricted = {s.name for s in all_topic_specs() if s.restricted}
    every_topic = AdminClient({"bootstrap.servers": kafka.bootstrap}).list_topics(timeout=10).topics
    # Everything but the raw ingest topic, its dead letters and the per-tenant raw archives: the catalog's
    # topics, and the Faust changelogs (conversation history, emotion trends) too.
    downstream = sorted(t for t in every_topic if t not in restricted and not t.startswith(RAW_ARCHIVE_PREFIX))
    assert any(t.endswith("-changelog") for t in downstream) and Topics.REPLIES_PARTIAL in downstream
    records = read_topics(kafka, downstream, lambda rs: False, timeout_s=15)
    assert records, "nothing read from the downstream topics"
    leaks = [r.topic for r in records if CARD_DIGITS.encode() in r.value.replace(b" ", b"") or EMAIL.encode() in r.value]
    assert leaks == []
    for folder in ("logs", "traces"):
        for path in (stack.home / folder).glob("*"):
            text = path.read_text(errors="replace")
            assert CARD not in text and CARD_DIGITS not in text and EMAIL not in text, f"PII in {path.name}"


def test_when_tenant_added_and_kb_pushed_then_found_only_by_that_tenant(stack: RunningStack, tmp_path: Path) -> None:
    tenant, _ = add_tenant_with_document(stack, tmp_path)
    found = search_for(stack, tenant, "zorbulon warranty", WARP_DOC)
    assert found and found[0]["version"] >= 1
    other = stack.cli_json("kb", "search", "--tenant", "demo", "zorbulon warranty warp drive")["results"]
    assert all(r["doc_id"] != WARP_DOC for r in other)
