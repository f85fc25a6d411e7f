"""`relaydesk bench contract` reads real events back from the broker: as many as asked for, per topic."""

from __future__ import annotations

from relaydesk.bench.contract_cost import read_documents
from relaydesk.common import serde
from relaydesk.common.kafka import produce_and_wait, sync_producer
from relaydesk.common.settings import KafkaSettings
from relaydesk.common.topics import Topics
from relaydesk.events import ConversationTurn


def test_when_topics_hold_events_then_the_bench_reads_up_to_its_count_from_each(kafka: KafkaSettings) -> None:
    producer = sync_producer(kafka)
    for i in range(3):
        turn = ConversationTurn(tenant_id="acme", conversation_id="c-1", turn_id=f"t-{i}", channel="webchat",
                                speaker="customer", text=f"question {i}")  # fmt: skip
        produce_and_wait(producer, kafka.topic(Topics.TURNS_RAW), serde.serialize(turn), key=b"c-1")
    found = read_documents(kafka, [Topics.TURNS_RAW, Topics.REPLIES], per_topic=2, timeout_s=3)
    assert len(found[Topics.TURNS_RAW]) == 2
    assert all(serde.deserialize(v, ConversationTurn) for v in found[Topics.TURNS_RAW])
    assert found[Topics.REPLIES] == []
