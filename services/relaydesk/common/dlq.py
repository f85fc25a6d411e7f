"""Dead letters: the original bytes, headers and coordinates of a record that could not be processed, and a
reason that names the error type and field paths (never values: they may be customer text)."""

from __future__ import annotations

import base64
import json
import re
import traceback
from typing import Any

from relaydesk.common import metrics, serde
from relaydesk.events import DeadLetter, DeadLetterHeader
from relaydesk.events.envelope import TENANT_ID_PATTERN


def failure_reason(exc: BaseException) -> str:
    """Type and location of a failure: enough to debug, with no values that might be customer text."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = ""
    if frames:
        last = frames[-1]
        where = f" at {last.filename.rsplit('/', 1)[-1]}:{last.lineno} in {last.name}"
    return f"{type(exc).__module__}.{type(exc).__qualname__}{where}"


class SafeError(Exception):
    """Carries the type and location of an exception, not its message (which may quote customer text)."""

    def __init__(self, exc: BaseException) -> None:
        super().__init__(failure_reason(exc))
        self.kind = type(exc).__name__

def _b64(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode("ascii")


def _tenant_of(value: bytes) -> str | None:
    """Best effort, for routing and metrics: the tenant id if the value is a JSON object that names a valid one."""
    try:
        doc = json.loads(value)
    except (ValueError, RecursionError):  # not JSON, bad UTF-8, an integer too long, nesting too deep
        return None
    tenant = doc.get("tenant_id") if isinstance(doc, dict) else None
    if isinstance(tenant, str) and re.match(TENANT_ID_PATTERN, tenant):
        return tenant
    return None


def dead_letter(
    *,
    service: str,
    topic: str,
    partition: int,
    offset: int,
    key: bytes | None,
    value: bytes | None,
    headers: Any,
    error: BaseException,
    attempts: int = 1,
) -> DeadLetter:
    """The dead letter for one record (counted in DEAD_LETTERS: every writer builds its record here).
    `attempts`: how many times the record was tried, the first included."""
    value = value or b""
    if not isinstance(error, serde.EventError | SafeError):
        error = SafeError(error)
    error_type = getattr(error, "kind", type(error).__name__)
    metrics.DEAD_LETTERS.labels(service, error_type).inc()
    return DeadLetter(
        tenant_id=_tenant_of(value),
        service=service,
        source_topic=topic,
        source_partition=max(partition, 0),
        source_offset=max(offset, 0),
        key_b64=_b64(key),
        value_b64=_b64(value) or "",
        headers=[DeadLetterHeader(key=k, value_b64=_b64(v)) for k, v in (headers or [])],
        error_type=error_type,
        reason=str(error)[:2000],
        attempts=max(1, attempts),
    )


class DeadLetterProducer:
    """Writes dead letters for consumers that are not stage runners (the broadcast views, e.g. tenant config):
    the record's `<topic>.dlq`, synchronously, on the consumer's own thread, so the view moves on only once the
    bad record is safely kept."""

    def __init__(self, kafka: Any, service: str) -> None:
        self._kafka = kafka
        self._producer: Any = None  # made on the first dead letter: most processes never write one
        self._service = service

    def send(self, msg: Any, error: BaseException, attempts: int = 1) -> None:
        """`msg`: a confluent-kafka Message (its topic is the full, prefixed name)."""
        from relaydesk.common.kafka import produce_and_wait, sync_producer

        if self._producer is None:
            self._producer = sync_producer(self._kafka)

        topic = str(msg.topic())
        record = dead_letter(
            service=self._service, topic=topic, partition=int(msg.partition() or 0), offset=int(msg.offset() or 0),
            key=msg.key(), value=msg.value(), headers=msg.headers(), error=error, attempts=attempts,
        )
        produce_and_wait(self._producer, f"{topic}.dlq", serde.serialize(record), key=msg.key() or b"",
                         headers=list(msg.headers() or []))
