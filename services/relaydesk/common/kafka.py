"""confluent-kafka helpers: an asyncio-friendly producer that awaits delivery, topic bootstrap, and a consumer
factory with the settings that suit both a real Kafka cluster and the local Tansu broker."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Iterable, Sequence
from typing import Any

from confluent_kafka import KafkaError, KafkaException, Message, Producer
from confluent_kafka.admin import AdminClient, NewTopic

from relaydesk.common.settings import KafkaSettings
from relaydesk.common.topics import TopicSpec, all_topic_specs

log = logging.getLogger(__name__)

Headers = list[tuple[str, str | bytes | None]]
HeadersIn = Sequence[tuple[str, str | bytes | None]]


class DeliveryError(RuntimeError):
    pass


def producer_config(settings: KafkaSettings, **overrides: Any) -> dict[str, Any]:
    conf: dict[str, Any] = {
        **settings.confluent_config(),
        "acks": "all",
        "linger.ms": 2,
        "enable.idempotence": False,  # Tansu: no idempotent/transactional producer; effects are idempotent
        "message.timeout.ms": 30_000,
    }
    conf.update(overrides)
    return conf


def consumer_config(settings: KafkaSettings, group_id: str, **overrides: Any) -> dict[str, Any]:
    conf: dict[str, Any] = {
        **settings.confluent_config(),
        "group.id": group_id,
        "enable.auto.commit": False,
        "auto.offset.reset": settings.auto_offset_reset,
        "session.timeout.ms": int(settings.session_timeout_s * 1000),
        "heartbeat.interval.ms": int(settings.heartbeat_interval_s * 1000),
        "fetch.wait.max.ms": settings.fetch_wait_ms,
        "partition.assignment.strategy": "cooperative-sticky",
    }
    conf.update(overrides)
    return conf


class AsyncProducer:
    """A confluent-kafka Producer polled by a background thread; `send` returns once the broker acked."""

    def __init__(self, settings: KafkaSettings, **overrides: Any) -> None:
        self._settings = settings
        self._producer = Producer(producer_config(settings, **overrides))
        self._stop = threading.Event()
        self._poller = threading.Thread(target=self._poll_loop, name="kafka-producer-poll", daemon=True)
        self._poller.start()

    def _poll_loop(self) -> None:
        while not self._stop.is_set():
            self._producer.poll(0.05)

    def produce_nowait(
        self,
        topic: str,
        value: bytes,
        key: bytes | None = None,
        headers: HeadersIn | None = None,
    ) -> asyncio.Future[Message]:
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[Message] = loop.create_future()

        def on_delivery(err: KafkaError | None, msg: Message) -> None:
            if err is not None:
                loop.call_soon_threadsafe(_set_exc, fut, DeliveryError(f"{topic}: {err.str()}"))
            else:
                loop.call_soon_threadsafe(_set_result, fut, msg)

        while True:
            try:
                self._producer.produce(
                    self._settings.topic(topic),
                    value=value,
                    key=key,
                    headers=list(headers) if headers else None,
                    on_delivery=on_delivery,
                )
                break
            except BufferError:
                self._producer.poll(0.05)  # local queue full: let deliveries drain
        return fut

    async def send(
        self, topic: str, value: bytes, key: bytes | None = None, headers: HeadersIn | None = None
    ) -> Message:
        return await self.produce_nowait(topic, value, key, headers)

    def flush(self, timeout_s: float = 10.0) -> int:
        return int(self._producer.flush(timeout_s))

    def close(self) -> None:
        self.flush()
        self._stop.set()
        self._poller.join(timeout=2)


def _set_result(fut: asyncio.Future[Message], msg: Message) -> None:
    if not fut.done():
        fut.set_result(msg)


def _set_exc(fut: asyncio.Future[Message], exc: BaseException) -> None:
    if not fut.done():
        fut.set_exception(exc)


def sync_producer(settings: KafkaSettings, **overrides: Any) -> Producer:
    return Producer(producer_config(settings, **overrides))


def produce_and_wait(
    producer: Producer,
    topic: str,
    value: bytes,
    key: bytes | None = None,
    headers: Headers | None = None,
    timeout_s: float = 30.0,
) -> Message:
    """Produce one record synchronously and return it once acked (CLI tools, tests)."""
    result: dict[str, Any] = {}

    def on_delivery(err: KafkaError | None, msg: Message) -> None:
        result["err"], result["msg"] = err, msg

    producer.produce(topic, value=value, key=key, headers=headers, on_delivery=on_delivery)
    deadline = time.monotonic() + timeout_s
    while "msg" not in result and time.monotonic() < deadline:
        producer.poll(0.05)
    if "msg" not in result:
        raise DeliveryError(f"{topic}: no delivery report within {timeout_s}s")
    if result["err"] is not None:
        raise DeliveryError(f"{topic}: {result['err'].str()}")
    message: Message = result["msg"]
    return message


def admin_client(settings: KafkaSettings) -> AdminClient:
    return AdminClient(settings.confluent_config())


def ensure_topics(
    settings: KafkaSettings,
    specs: Sequence[TopicSpec] | None = None,
    timeout_s: float = 30.0,
) -> list[str]:
    """Create the topics that don't exist yet, each with its own partition count and config. Idempotent.

    Topics must exist before any client touches them: auto-created topics get the broker's default
    partition count, and a Faust table over a topic with another count crashes.
    """
    specs = list(specs) if specs is not None else all_topic_specs(settings.partitions)
    admin = admin_client(settings)
    existing = set(admin.list_topics(timeout=timeout_s).topics)
    new = [
        NewTopic(
            settings.topic(s.name),
            num_partitions=s.partitions,
            replication_factor=settings.replication_factor,
            config=dict(s.config),
        )
        for s in specs
        if settings.topic(s.name) not in existing
    ]
    created: list[str] = []
    if not new:
        return created
    for name, fut in admin.create_topics(new, operation_timeout=timeout_s).items():
        try:
            fut.result(timeout=timeout_s)
            created.append(name)
        except KafkaException as exc:
            if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise
    log.info("created topics", extra={"count": len(created)})
    return created


def headers_to_list(headers: Iterable[tuple[str, bytes | None]] | None) -> Headers:
    return [(k, v if v is not None else b"") for k, v in (headers or [])]
