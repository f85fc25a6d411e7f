"""`relaydesk dlq replay` against the real broker: originals go back once, poison stays, a second run is a no-op."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from confluent_kafka import Producer

from relaydesk.cli.main import main
from relaydesk.common import serde
from relaydesk.common.dlq import dead_letter
from relaydesk.common.kafka import produce_and_wait, producer_config
from relaydesk.common.serde import EventError
from relaydesk.common.settings import KafkaSettings
from relaydesk.common.topics import Topics
from relaydesk.events import DlqReplayed
from relaydesk.ops.dlq_replay import REPLAY_HEADER, Window, read_all, replay


def _dead_letter(kafka: KafkaSettings, producer: Producer, i: int, error: BaseException) -> str:
    value = json.dumps({"n": i}).encode()
    record = dead_letter(
        service="guard", topic=kafka.topic(Topics.TURNS_RAW), partition=0, offset=i, key=f"conv-{i}".encode(),
        value=value, headers=[("traceparent", f"00-{i:032x}-{i:016x}-01".encode())], error=error,
    )
    produce_and_wait(producer, kafka.topic(f"{Topics.TURNS_RAW}.dlq"), serde.serialize(record), key=f"conv-{i}".encode())
    return record.event_id


def _by_key(kafka: KafkaSettings, topic: str) -> dict[bytes, list[tuple[bytes, dict[str, bytes]]]]:
    out: dict[bytes, list[tuple[bytes, dict[str, bytes]]]] = {}
    for msg in read_all(kafka, topic, "test-read", 30):
        if msg.value():
            out.setdefault(bytes(msg.key() or b""), []).append((bytes(msg.value()), dict(msg.headers() or [])))
    return out


@pytest.mark.timeout(120)
def test_when_replayed_twice_then_each_transient_dead_letter_is_back_once_and_poison_is_skipped(
    kafka: KafkaSettings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    producer = Producer(producer_config(kafka))
    transient = [_dead_letter(kafka, producer, i, TimeoutError()) for i in range(3)]
    poison = _dead_letter(kafka, producer, 9, EventError("not_json", "JSONDecodeError at position 0"))

    dry = replay(kafka, Topics.TURNS_RAW, dry_run=True, progress=lambda _: None)
    assert (dry.as_dict()["to_replay"], dry.replayed) == (3, 0)
    assert _by_key(kafka, Topics.TURNS_RAW) == {}  # a dry run produces nothing

    first = replay(kafka, Topics.TURNS_RAW, progress=lambda _: None).as_dict()
    assert (first["read"], first["replayed"], first["failed"]) == (4, 3, 0)
    assert first["skipped"] == {"poison": 1} and first["poison_by_error_type"] == {"not_json": 1}

    back = _by_key(kafka, Topics.TURNS_RAW)
    assert sorted(back) == [b"conv-0", b"conv-1", b"conv-2"]
    for i, dl_id in enumerate(transient):
        ((value, headers),) = back[f"conv-{i}".encode()]
        assert value == json.dumps({"n": i}).encode()  # the original bytes, not a re-serialisation
        assert headers["traceparent"] == f"00-{i:032x}-{i:016x}-01".encode()
        assert headers[REPLAY_HEADER] == dl_id.encode()
    marks = [serde.deserialize(m.value() or b"", DlqReplayed) for m in read_all(kafka, Topics.DLQ_REPLAYED, "t", 30)
             if m.value()]
    assert sorted(m.dead_letter_id for m in marks) == sorted(transient)
    assert poison not in {m.dead_letter_id for m in marks}

    # The second run goes through the CLI, as an operator would run it: nothing is replayed again.
    monkeypatch.setenv("RELAYDESK_KAFKA_BOOTSTRAP", kafka.bootstrap)
    monkeypatch.setenv("RELAYDESK_KAFKA_TOPIC_PREFIX", kafka.topic_prefix)
    assert main(["dlq", "replay", "--topic", Topics.TURNS_RAW]) == 0
    second = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (second["replayed"], second["skipped"]) == (0, {"already_replayed": 3, "poison": 1})
    assert all(len(v) == 1 for v in _by_key(kafka, Topics.TURNS_RAW).values())


@pytest.mark.timeout(120)
def test_when_a_window_is_given_then_only_dead_letters_inside_it_are_replayed(kafka: KafkaSettings) -> None:
    producer = Producer(producer_config(kafka))
    _dead_letter(kafka, producer, 1, TimeoutError())
    later = datetime.now(UTC) + timedelta(hours=1)
    report = replay(kafka, Topics.TURNS_RAW, Window(since=later), progress=lambda _: None).as_dict()
    assert (report["replayed"], report["skipped"]) == (0, {"outside_window": 1})
    report = replay(kafka, Topics.TURNS_RAW, Window(until=later), progress=lambda _: None).as_dict()
    assert report["replayed"] == 1


def test_when_the_topics_do_not_exist_then_the_cli_says_so_instead_of_waiting(
    kafka: KafkaSettings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RELAYDESK_KAFKA_BOOTSTRAP", kafka.bootstrap)
    monkeypatch.setenv("RELAYDESK_KAFKA_TOPIC_PREFIX", "nothing-created-here.")
    assert main(["dlq", "replay", "--topic", Topics.TURNS_RAW, "--timeout", "20"]) == 2
    assert "nothing-created-here.relaydesk.turns.raw.dlq" in capsys.readouterr().out
