"""Replaying dead letters: put the original records of `<topic>.dlq` back on `<topic>`, once.

The decision is a pure function (`decide`): a dead letter is replayed unless it was replayed before (its id is on
the compacted `relaydesk.dlq.replayed` topic), its bytes are poison (a replay would only dead-letter it again:
not JSON, schema or model violations, unknown or wrong event types; `force` overrides), it falls outside the
--since/--until window (by when it was dead-lettered), or it came from another topic. The adapter reads both
topics to their end (catch-up markers: the local broker's end offsets are wrong, NOTES.md), produces the original
key, value and headers to the source topic, and only once the broker has acked that writes the replay mark.
A crash between the two replays that record again on the next run: consumers dedupe by event id (the original
bytes carry the original id), so at-least-once is safe here as everywhere.
"""

from __future__ import annotations

import base64
import json
import logging
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from confluent_kafka import KafkaError, KafkaException, Message, Producer

from relaydesk.common import serde
from relaydesk.common.broadcast import BroadcastConsumer
from relaydesk.common.kafka import admin_client, producer_config
from relaydesk.common.settings import KafkaSettings
from relaydesk.common.topics import Topics
from relaydesk.events import DeadLetter, DlqReplayed
from relaydesk.events.ids import derived_id

log = logging.getLogger(__name__)

# serde.EventError kinds that say the bytes themselves cannot be read as the topic's event.
POISON_ERROR_TYPES = frozenset({"not_json", "schema", "model", "unknown_type", "wrong_type"})
# Header on a replayed record naming the dead letter it came from (consumers ignore unknown headers).
REPLAY_HEADER = "relaydesk-dlq-replay"

Action = Literal["replay", "already_replayed", "poison", "outside_window", "other_source", "duplicate"]


@dataclass(frozen=True)
class Letter:
    """A dead letter as read from its topic, with where it sits there."""

    dead_letter: DeadLetter
    partition: int
    offset: int


@dataclass(frozen=True)
class Window:
    since: datetime | None = None
    until: datetime | None = None

    def holds(self, at: datetime) -> bool:
        return (self.since is None or at >= self.since) and (self.until is None or at < self.until)


def parse_instant(text: str) -> datetime:
    """An ISO 8601 instant; one without an offset is taken as UTC."""
    at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def decide(
    letters: Iterable[Letter], replayed_ids: set[str], source_topic: str, window: Window, force: bool = False
) -> list[tuple[Letter, Action]]:
    """What to do with each dead letter, in DLQ order. A dead letter seen twice (its DLQ write was redelivered)
    is replayed once."""
    seen: set[str] = set()
    out: list[tuple[Letter, Action]] = []
    for letter in letters:
        dl = letter.dead_letter
        action: Action
        if dl.event_id in replayed_ids:
            action = "already_replayed"
        elif dl.event_id in seen:
            action = "duplicate"
        elif dl.source_topic != source_topic:
            action = "other_source"
        elif not window.holds(dl.occurred_at):
            action = "outside_window"
        elif dl.error_type in POISON_ERROR_TYPES and not force:
            action = "poison"
        else:
            action = "replay"
        if action in ("replay", "poison", "outside_window"):
            seen.add(dl.event_id)
        out.append((letter, action))
    return out


def original_record(dl: DeadLetter) -> tuple[bytes | None, bytes, list[tuple[str, str | bytes | None]]]:
    """(key, value, headers) exactly as the source record had them, plus the replay header."""
    key = base64.b64decode(dl.key_b64) if dl.key_b64 is not None else None
    value = base64.b64decode(dl.value_b64)
    headers: list[tuple[str, str | bytes | None]] = [
        (h.key, base64.b64decode(h.value_b64) if h.value_b64 is not None else None)
        for h in dl.headers
        if h.key != REPLAY_HEADER
    ]
    return key, value, [*headers, (REPLAY_HEADER, dl.event_id.encode())]


def replay_mark(letter: Letter, dlq_topic: str, target: Message) -> DlqReplayed:
    dl = letter.dead_letter
    return DlqReplayed(
        event_id=derived_id(dl.event_id, "dlq-replay"),
        tenant_id=dl.tenant_id,
        conversation_id=dl.conversation_id,
        causation_id=dl.event_id,
        dead_letter_id=dl.event_id,
        dlq_topic=dlq_topic,
        dlq_partition=letter.partition,
        dlq_offset=letter.offset,
        target_topic=str(target.topic()),
        target_partition=int(target.partition() or 0),
        target_offset=int(target.offset() or 0),
        error_type=dl.error_type,
    )


@dataclass
class ReplayReport:
    topic: str
    dlq_topic: str
    dry_run: bool
    read: int = 0
    unreadable: int = 0
    actions: Counter[str] = field(default_factory=Counter)
    poison_by_error_type: Counter[str] = field(default_factory=Counter)
    replayed: int = 0
    failed: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "dlq_topic": self.dlq_topic,
            "dry_run": self.dry_run,
            "read": self.read,
            "unreadable": self.unreadable,
            "to_replay": self.actions.get("replay", 0),
            "replayed": self.replayed,
            "failed": self.failed,
            "skipped": {k: v for k, v in sorted(self.actions.items()) if k != "replay"},
            "poison_by_error_type": dict(sorted(self.poison_by_error_type.items())),
        }


class ReplayError(RuntimeError):
    """The replay cannot start: the broker is unreachable or a topic it needs does not exist."""


def check_topics(kafka: KafkaSettings, topics: Sequence[str], timeout_s: float = 10.0) -> None:
    """Fails fast, with a message an operator can act on, instead of waiting for topics that never come."""
    try:
        existing = admin_client(kafka).list_topics(timeout=timeout_s).topics
    except KafkaException as exc:
        raise ReplayError(f"cannot reach Kafka at {kafka.bootstrap}: {exc.args[0].str()}") from None
    missing = [kafka.topic(t) for t in topics if kafka.topic(t) not in existing]
    if missing:
        raise ReplayError(f"topics missing on the broker: {', '.join(missing)} (run `relaydesk topics create`)")


def read_all(kafka: KafkaSettings, topic: str, name: str, timeout_s: float) -> list[Message]:
    """Every record of a topic, from its start to its end at the time of the call."""
    records: list[Message] = []
    reader = BroadcastConsumer(kafka, (topic,), records.append, name=name, marker=True).start()
    try:
        if not reader.wait_caught_up(timeout_s):
            raise TimeoutError(f"{kafka.topic(topic)} not read to its end within {timeout_s}s")
    finally:
        reader.stop()
    return records


def _letters(records: Sequence[Message], report: ReplayReport) -> list[Letter]:
    out = []
    for msg in records:
        if not msg.value():
            continue
        try:
            dl = serde.deserialize(msg.value() or b"", DeadLetter)
        except serde.EventError as exc:
            report.unreadable += 1
            log.warning("unreadable dead letter at %s[%s]@%s: %s", msg.topic(), msg.partition(), msg.offset(), exc.kind)
            continue
        out.append(Letter(dl, int(msg.partition() or 0), int(msg.offset() or 0)))
    return out


def _replayed_ids(records: Sequence[Message]) -> set[str]:
    ids: set[str] = set()
    for msg in records:
        if not msg.value():
            continue  # a tombstone (compaction may delete a mark on purpose: that dead letter may replay again)
        try:
            ids.add(serde.deserialize(msg.value() or b"", DlqReplayed).dead_letter_id)
        except serde.EventError as exc:
            log.warning("unreadable replay mark at %s@%s: %s", msg.partition(), msg.offset(), exc.kind)
    return ids


class _Deliveries:
    """Produce many records, then wait once for all their delivery reports."""

    def __init__(self, producer: Producer) -> None:
        self._producer = producer
        self.results: list[tuple[Any, KafkaError | None, Message | None]] = []

    def produce(
        self, tag: Any, topic: str, key: bytes | None, value: bytes, headers: list[tuple[str, str | bytes | None]]
    ) -> None:
        def on_delivery(err: KafkaError | None, msg: Message) -> None:
            self.results.append((tag, err, msg))

        while True:
            try:
                self._producer.produce(topic, value=value, key=key, headers=headers or None, on_delivery=on_delivery)
                return
            except BufferError:
                self._producer.poll(0.1)

    def wait(self, timeout_s: float) -> None:
        remaining = self._producer.flush(timeout_s)
        if remaining:
            raise TimeoutError(f"{remaining} records not acknowledged within {timeout_s}s")


def replay(
    kafka: KafkaSettings,
    topic: str,
    window: Window = Window(),
    *,
    dry_run: bool = False,
    force: bool = False,
    batch_size: int = 500,
    timeout_s: float = 60.0,
    progress: Callable[[str], None] | None = None,
) -> ReplayReport:
    """Replays `<topic>.dlq` onto `topic` (logical names; kafka.topic_prefix applies) and returns the report."""
    say = progress or (lambda line: print(line, file=sys.stderr, flush=True))
    dlq = f"{topic}.dlq"
    report = ReplayReport(topic=topic, dlq_topic=dlq, dry_run=dry_run)
    check_topics(kafka, (dlq, topic, Topics.DLQ_REPLAYED), min(timeout_s, 10.0))
    letters = _letters(read_all(kafka, dlq, "dlq-replay-read", timeout_s), report)
    report.read = len(letters)
    replayed_ids = _replayed_ids(read_all(kafka, Topics.DLQ_REPLAYED, "dlq-replay-marks", timeout_s))
    decisions = decide(letters, replayed_ids, kafka.topic(topic), window, force)
    for letter, action in decisions:
        report.actions[action] += 1
        if action == "poison":
            report.poison_by_error_type[letter.dead_letter.error_type] += 1
    todo = [letter for letter, action in decisions if action == "replay"]
    say(f"{dlq}: {report.read} dead letters, {len(todo)} to replay, {len(replayed_ids)} replayed before")
    if dry_run or not todo:
        return report
    producer = Producer(producer_config(kafka))
    for start in range(0, len(todo), batch_size):
        batch = todo[start : start + batch_size]
        sent = _Deliveries(producer)
        for letter in batch:
            key, value, headers = original_record(letter.dead_letter)
            sent.produce(letter, kafka.topic(topic), key, value, headers)
        sent.wait(timeout_s)
        marks = _Deliveries(producer)
        for letter, err, msg in sent.results:
            if err is not None or msg is None:
                report.failed += 1
                log.warning("replay of dead letter %s failed: %s", letter.dead_letter.event_id, err and err.name())
                continue
            mark = replay_mark(letter, kafka.topic(dlq), msg)
            marks.produce(letter, kafka.topic(Topics.DLQ_REPLAYED), mark.key(), serde.serialize(mark), [])
        marks.wait(timeout_s)
        for letter, err, _ in marks.results:
            if err is not None:
                # replayed but not marked: a later run replays it again, and consumers dedupe by event id
                report.failed += 1
                log.warning("replay mark of %s failed: %s", letter.dead_letter.event_id, err.name())
            else:
                report.replayed += 1
        say(f"{dlq}: replayed {report.replayed} of {len(todo)}")
    return report


def summary_json(report: ReplayReport) -> str:
    return json.dumps(report.as_dict(), sort_keys=True)
