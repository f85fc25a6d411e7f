"""The stage runner against a real broker: outputs, order, trace continuation, dead letters, at-least-once."""

from __future__ import annotations

import asyncio
import json

import pytest

from faust_helpers import running
from kafka_helpers import count_at_least, read_topics
from relaydesk.common import serde
from relaydesk.common.faust_app import make_app
from relaydesk.common.kafka import produce_and_wait, sync_producer
from relaydesk.common.settings import KafkaSettings
from relaydesk.common.stage import Stage, install_stage
from relaydesk.common.topics import Topics
from relaydesk.events import ConversationTurn, Envelope, TurnAnnotated, utcnow

pytestmark = pytest.mark.asyncio(loop_scope="function")

SECRET = "5500 0000 0000 0004"
TRACEPARENT = b"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def annotate(events: list[Envelope]) -> list[list[Envelope]]:
    out: list[list[Envelope]] = []
    for ev in events:
        assert isinstance(ev, ConversationTurn)
        if "explode" in ev.text:
            raise ValueError(f"cannot handle {ev.text}")  # the message quotes customer text on purpose
        out.append([TurnAnnotated(**ev.caused("test"), turn=ev.body(), received_at=utcnow())])
    return out


def stage(handler=annotate, batch_size: int = 8) -> Stage:
    return Stage(
        name="test",
        input_topic=Topics.TURNS_RAW,
        input_type=ConversationTurn,
        handle_batch=handler,
        route=lambda e: Topics.TURNS_GUARDED,
        batch_size=batch_size,
        retry_backoff_s=0.01,
    )


def produce_turns(kafka: KafkaSettings, texts: list[tuple[str, str]]) -> list[ConversationTurn]:
    producer = sync_producer(kafka)
    turns = []
    for i, (conversation, text) in enumerate(texts):
        turn = ConversationTurn(
            tenant_id="acme", conversation_id=conversation, turn_id=f"t{i}", channel="sms", speaker="customer", text=text
        )
        produce_and_wait(
            producer, kafka.topic(Topics.TURNS_RAW), serde.serialize(turn), key=conversation.encode(),
            headers=[("traceparent", TRACEPARENT)],
        )
        turns.append(turn)
    return turns


async def test_when_turns_flow_then_outputs_keep_per_conversation_order_and_trace(kafka: KafkaSettings) -> None:
    app = make_app("stage-order", kafka, web_port=0)
    install_stage(app, stage(), kafka)
    turns = produce_turns(kafka, [("c-a", f"a{i}") for i in range(5)] + [("c-b", f"b{i}") for i in range(5)])
    async with running(app):
        records = await asyncio.to_thread(read_topics, kafka, [Topics.TURNS_GUARDED], count_at_least(10))
    assert len(records) == 10
    by_conv: dict[str, list[str]] = {}
    for rec in records:
        event = serde.deserialize(rec.value, TurnAnnotated)
        by_conv.setdefault(event.conversation_id, []).append(event.turn.text)
        assert rec.key == event.conversation_id.encode()
        # The trace started upstream continues: same trace id, new parent span.
        trace_id = TRACEPARENT.split(b"-")[1]
        assert rec.headers["traceparent"].split(b"-")[1] == trace_id
        assert rec.headers["traceparent"] != TRACEPARENT
    assert by_conv == {"c-a": [f"a{i}" for i in range(5)], "c-b": [f"b{i}" for i in range(5)]}
    assert {t.event_id for t in turns} == {serde.deserialize(r.value).causation_id for r in records}


async def test_when_poison_records_arrive_then_dead_lettered_and_processing_continues(kafka: KafkaSettings) -> None:
    app = make_app("stage-dlq", kafka, web_port=0)
    install_stage(app, stage(), kafka)
    producer = sync_producer(kafka)
    produce_turns(kafka, [("c-1", "before")])
    produce_and_wait(producer, kafka.topic(Topics.TURNS_RAW), b'{"text": "' + SECRET.encode() + b'"', key=b"c-1")
    produce_turns(kafka, [("c-1", f"explode {SECRET}"), ("c-1", "after")])
    async with running(app):
        records = await asyncio.to_thread(
            read_topics,
            kafka,
            [Topics.TURNS_GUARDED, Topics.TURNS_RAW + ".dlq"],
            lambda rs: len(rs) >= 4,
        )
    good = [serde.deserialize(r.value, TurnAnnotated).turn.text for r in records if r.topic == Topics.TURNS_GUARDED]
    dead = [json.loads(r.value) for r in records if r.topic.endswith(".dlq")]
    assert good == ["before", "after"]
    assert sorted(d["error_type"] for d in dead) == ["ValueError", "not_json"]
    for d in dead:
        assert SECRET not in d["reason"]
        assert d["source_topic"] == kafka.topic(Topics.TURNS_RAW)
        assert d["service"] == "test"
    handler_failure = next(d for d in dead if d["error_type"] == "ValueError")
    assert "in annotate" in handler_failure["reason"]  # where it failed, not what the text said


STUCK_WORKER = """
import os, pathlib, sys, threading
import faust
from relaydesk.common.faust_app import make_app
from relaydesk.common.settings import KafkaSettings
from relaydesk.common.stage import Stage, install_stage
from relaydesk.common.topics import Topics
from relaydesk.events import ConversationTurn

def stuck(events):
    pathlib.Path(os.environ["ENTERED"]).write_text("yes")
    threading.Event().wait()  # a dependency that never answers; the process is killed meanwhile

kafka = KafkaSettings()
app = make_app("stage-crash", kafka, web_port=0)
stage = Stage("test", Topics.TURNS_RAW, ConversationTurn, stuck, lambda e: Topics.TURNS_GUARDED)
install_stage(app, stage, kafka)
faust.Worker(app, loglevel="warning").execute_from_commandline()
"""


async def test_when_worker_killed_before_output_then_next_worker_reprocesses(
    kafka: KafkaSettings, tmp_path
) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    script = tmp_path / "stuck_worker.py"
    script.write_text(STUCK_WORKER)
    entered = tmp_path / "entered"
    env = {
        **os.environ,
        "ENTERED": str(entered),
        "RELAYDESK_KAFKA_BOOTSTRAP": kafka.bootstrap,
        "RELAYDESK_KAFKA_TOPIC_PREFIX": kafka.topic_prefix,
        "RELAYDESK_KAFKA_PARTITIONS": str(kafka.partitions),
    }
    produce_turns(kafka, [("c-9", "only once")])
    proc = subprocess.Popen([sys.executable, str(script), "worker"], env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not entered.exists() and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        assert entered.exists(), "the first worker never received the record"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # dies mid-handle: no output, no commit
        proc.wait(10)

    second = make_app("stage-crash", kafka, web_port=0)  # same app id: same consumer group
    install_stage(second, stage(), kafka)
    async with running(second, timeout_s=60):
        records = await asyncio.to_thread(read_topics, kafka, [Topics.TURNS_GUARDED], count_at_least(1))
    assert [serde.deserialize(r.value, TurnAnnotated).turn.text for r in records] == ["only once"]


async def test_when_pipelined_then_conversations_overlap_keep_order_and_all_offsets_commit(
    kafka: KafkaSettings,
) -> None:
    import time

    from confluent_kafka import Consumer, TopicPartition

    from relaydesk.common.kafka import consumer_config

    async def slow_or_fast(events: list[Envelope]) -> list[list[Envelope]]:
        (ev,) = events
        assert isinstance(ev, ConversationTurn)
        await asyncio.sleep(1.5 if ev.text.startswith("slow") else 0.05)
        return [[TurnAnnotated(**ev.caused("test"), turn=ev.body(), received_at=utcnow())]]

    app = make_app("stage-pipelined", kafka, web_port=0)
    pipelined = stage(slow_or_fast)
    pipelined.pipelined, pipelined.max_in_flight = True, 8
    install_stage(app, pipelined, kafka)
    plan = [("c-a", "slow a1"), ("c-a", "fast a2"), ("c-b", "fast b1"), ("c-c", "fast c1"), ("c-b", "fast b2")]
    produce_turns(kafka, plan)
    started = time.monotonic()
    async with running(app):
        records = await asyncio.to_thread(read_topics, kafka, [Topics.TURNS_GUARDED], count_at_least(5))
        elapsed = time.monotonic() - started
        # Outputs sit on two partitions: order them by when the handler made them.
        outputs = sorted((serde.deserialize(r.value, TurnAnnotated) for r in records), key=lambda e: e.occurred_at)
        texts = [e.turn.text for e in outputs]
        # Conversations b and c did not wait behind a's slow turn; a's turns kept their order.
        assert texts.index("fast b1") < texts.index("slow a1") and texts.index("fast c1") < texts.index("slow a1")
        assert texts.index("slow a1") < texts.index("fast a2")
        assert texts.index("fast b1") < texts.index("fast b2")

        def committed_everything() -> bool:
            probe = Consumer(consumer_config(kafka, app.conf.id))
            try:
                tps = [TopicPartition(kafka.topic(Topics.TURNS_RAW), p) for p in range(kafka.partitions)]
                offsets = {tp.partition: tp.offset for tp in probe.committed(tps, timeout=5)}
            finally:
                probe.close()
            return sum(max(o, 0) for o in offsets.values()) == len(plan)

        deadline = time.monotonic() + 15
        while not await asyncio.to_thread(committed_everything):
            assert time.monotonic() < deadline, "not every processed record was committed"
            await asyncio.sleep(0.5)
    assert len(texts) == 5 and elapsed < 1.5 * 2 + 8  # the slow turn ran once, alongside the others


def committed_offsets(kafka: KafkaSettings, group: str) -> int:
    """The sum of the group's committed offsets on the input topic (records it will never see again)."""
    from confluent_kafka import Consumer, TopicPartition

    from relaydesk.common.kafka import consumer_config

    probe = Consumer(consumer_config(kafka, group))
    try:
        tps = [TopicPartition(kafka.topic(Topics.TURNS_RAW), p) for p in range(kafka.partitions)]
        return sum(max(tp.offset, 0) for tp in probe.committed(tps, timeout=5))
    finally:
        probe.close()


async def wait_committed(kafka: KafkaSettings, group: str, expected: int, timeout_s: float = 20.0) -> None:
    import time

    deadline = time.monotonic() + timeout_s
    while (seen := await asyncio.to_thread(committed_offsets, kafka, group)) < expected:
        assert time.monotonic() < deadline, f"commits stuck at {seen} of {expected}"
        await asyncio.sleep(0.5)


@pytest.mark.parametrize("pipelined", [True, False])
async def test_when_record_keeps_failing_then_dead_lettered_with_attempts_and_commits_move_on(
    kafka: KafkaSettings, pipelined: bool
) -> None:
    async def annotate_async(events: list[Envelope]) -> list[list[Envelope]]:
        return annotate(events)

    def route(event: Envelope) -> str:
        # Fails outside the handler (as a broken route, delivery or table write would), on every attempt.
        if isinstance(event, TurnAnnotated) and event.turn.text == "unroutable":
            raise RuntimeError("no topic for this event")
        return Topics.TURNS_GUARDED

    app = make_app("stage-failure", kafka, web_port=0)
    failing = stage(annotate_async)  # batches of up to 8 when not pipelined: the neighbours share its batch
    failing.route, failing.pipelined = route, pipelined
    install_stage(app, failing, kafka)
    # One conversation, so one partition: the failing record sits between two good ones.
    produce_turns(kafka, [("c-x", "first"), ("c-x", "unroutable"), ("c-x", "third")])
    async with running(app):
        def complete(rs: list) -> bool:
            # Both good records out and the bad one dead-lettered; a count is not enough, as a batch retried
            # record by record may produce a neighbour twice.
            texts = {serde.deserialize(r.value, TurnAnnotated).turn.text for r in rs if r.topic == Topics.TURNS_GUARDED}
            return texts >= {"first", "third"} and any(r.topic.endswith(".dlq") for r in rs)

        records = await asyncio.to_thread(
            read_topics, kafka, [Topics.TURNS_GUARDED, Topics.TURNS_RAW + ".dlq"], complete
        )
        await wait_committed(kafka, app.conf.id, 3)  # the failed record no longer holds back the partition
    outputs = [serde.deserialize(r.value, TurnAnnotated) for r in records if r.topic == Topics.TURNS_GUARDED]
    [dead] = [json.loads(r.value) for r in records if r.topic.endswith(".dlq")]
    # A batch that failed is retried record by record: a neighbour may be produced twice, with the same id.
    ids_by_text: dict[str, set[str]] = {}
    for o in outputs:
        ids_by_text.setdefault(o.turn.text, set()).add(o.event_id)
    assert sorted(ids_by_text) == ["first", "third"]
    assert all(len(ids) == 1 for ids in ids_by_text.values())
    # The real count, not the default 1: three tries of the record (plus one of its batch, when it had one).
    assert dead["attempts"] == 3 if pipelined else dead["attempts"] in (3, 4)
    assert dead["error_type"] == "RuntimeError" and "in route" in dead["reason"]
    assert dead["source_offset"] == 1


async def test_when_handler_keeps_timing_out_then_dead_letter_records_every_attempt(kafka: KafkaSettings) -> None:
    def flaky(events: list[Envelope]) -> list[list[Envelope]]:
        if any(isinstance(e, ConversationTurn) and e.text == "slow dependency" for e in events):
            raise TimeoutError("dependency timed out")
        return annotate(events)

    app = make_app("stage-retry-attempts", kafka, web_port=0)
    install_stage(app, stage(flaky, batch_size=1), kafka)
    produce_turns(kafka, [("c-r", "slow dependency"), ("c-r", "fine")])
    async with running(app):
        records = await asyncio.to_thread(
            read_topics, kafka, [Topics.TURNS_GUARDED, Topics.TURNS_RAW + ".dlq"], lambda rs: len(rs) >= 2
        )
        await wait_committed(kafka, app.conf.id, 2)
    [dead] = [json.loads(r.value) for r in records if r.topic.endswith(".dlq")]
    assert (dead["error_type"], dead["attempts"]) == ("TimeoutError", 3)
    assert [serde.deserialize(r.value, TurnAnnotated).turn.text for r in records if r.topic == Topics.TURNS_GUARDED] \
        == ["fine"]


async def test_when_same_event_redelivered_then_outputs_made_once_and_both_committed(kafka: KafkaSettings) -> None:
    from relaydesk.common import metrics

    app = make_app("stage-dedupe", kafka, web_port=0)
    install_stage(app, stage(batch_size=1), kafka)
    [turn] = produce_turns(kafka, [("c-d", "asked once")])
    # The upstream producer re-sends the same event (it crashed after producing, before committing).
    produce_and_wait(sync_producer(kafka), kafka.topic(Topics.TURNS_RAW), serde.serialize(turn), key=b"c-d")
    produce_turns(kafka, [("c-d", "next question")])
    before = metrics.DEDUPED.labels("test", "redelivered_input")._value.get()
    async with running(app):
        records = await asyncio.to_thread(read_topics, kafka, [Topics.TURNS_GUARDED], count_at_least(2))
        await wait_committed(kafka, app.conf.id, 3)
    # One partition, in order: an output for the repeat would sit between the two.
    texts = [serde.deserialize(r.value, TurnAnnotated).turn.text for r in records]
    assert texts == ["asked once", "next question"]
    assert metrics.DEDUPED.labels("test", "redelivered_input")._value.get() == before + 1
