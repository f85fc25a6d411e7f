"""The stage runner: the one adapter between Kafka (via Faust) and a pure core.

For each batch of records: decode and validate (poison -> dead letter), drop inputs this process already
handled (redeliveries), call the core (retry what can be retried, with a bound; isolate a failing record by
re-running the batch one record at a time), serialise and produce the outputs with the trace context, await
their delivery, and only then let Faust ack the records, so offsets are committed only after the outputs are on
the broker. A record that keeps failing after that (routing, delivery) is dead-lettered with its real attempt
count and acked, so it never holds back its partition.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import inspect
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import faust
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from relaydesk.common import effect_metrics, metrics, serde
from relaydesk.common.dedupe import SeenIds
from relaydesk.common.dlq import SafeError, dead_letter, failure_reason
from relaydesk.common.settings import KafkaSettings
from relaydesk.common.tracing import extract_context, inject_headers, tracer
from relaydesk.events import Envelope

log = logging.getLogger(__name__)

BatchHandler = Callable[[Sequence[Envelope]], "Sequence[Sequence[Envelope]] | Awaitable[Sequence[Sequence[Envelope]]]"]
Router = Callable[[Envelope], str]

RETRYABLE: tuple[type[BaseException], ...] = (TimeoutError, ConnectionError, OSError)


@dataclass
class Stage:
    name: str
    input_topic: str
    input_type: type[Envelope]
    handle_batch: BatchHandler
    route: Router
    batch_size: int = 1
    batch_within_s: float = 0.01
    run_in_thread: bool = True
    max_attempts: int = 3
    retry_backoff_s: float = 0.2
    retryable: tuple[type[BaseException], ...] = RETRYABLE
    # Called on the event loop for each (input, outputs) after a successful handle, e.g. to write a Faust
    # table row with the input record as Faust's current event.
    after_record: Callable[[Any, Envelope, Sequence[Envelope]], None] | None = None
    # Pipelined: each record starts as soon as it arrives, up to `max_in_flight` at once (turns of one
    # conversation still run in order). For slow, I/O-bound cores (generation), where a batch would make a
    # turn that arrives mid-batch wait for the whole batch. `batch_size` is then ignored.
    pipelined: bool = False
    max_in_flight: int = 8
    # Inputs whose outputs this process already delivered are dropped when they come again (a producer that
    # re-sent them after a crash); bounded by count and age, 0 turns it off. See common/dedupe.py.
    dedupe_capacity: int = 10_000
    dedupe_max_age_s: float = 3_600.0
    extra: dict[str, Any] = field(default_factory=dict)


class HandlerFailed(SafeError):
    """A handler failure the runner gave up on, with how many times the handler was called with the record."""

    def __init__(self, exc: BaseException, attempts: int) -> None:
        super().__init__(exc)
        self.attempts = max(1, attempts)


def key_for(event: Envelope) -> bytes:
    key_fn = getattr(event, "key", None)
    if callable(key_fn):
        return bytes(key_fn())
    if event.conversation_id:
        return event.conversation_id.encode()
    return event.tenant_id.encode() if event.tenant_id else b""


class StageRunner:
    def __init__(self, app: faust.App, stage: Stage, kafka: KafkaSettings) -> None:
        self.app = app
        self.stage = stage
        self.kafka = kafka
        # One worker thread keeps per-partition order and leaves the event loop free for heartbeats.
        self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"{stage.name}-core")
        self._async_handler = inspect.iscoroutinefunction(stage.handle_batch)
        self.seen = SeenIds(stage.dedupe_capacity, stage.dedupe_max_age_s)

    # -- the loop body -------------------------------------------------------------------------------------
    async def process(self, records: Sequence[faust.types.EventT]) -> None:
        started = time.perf_counter()
        stage = self.stage
        decoded: list[tuple[Any, Envelope, trace.Span]] = []
        pending: list[asyncio.Future[Any]] = []
        done: list[str] = []  # ids of inputs handled, remembered once their outputs are delivered
        for rec in records:
            msg = rec.message
            span = tracer().start_span(
                f"{stage.name} process",
                context=extract_context(msg.headers),
                kind=SpanKind.CONSUMER,
                attributes={
                    "messaging.system": "kafka",
                    "messaging.destination.name": msg.topic,
                    "messaging.kafka.partition": msg.partition,
                    "messaging.kafka.offset": msg.offset,
                    "relaydesk.stage": stage.name,
                },
            )
            try:
                event = serde.deserialize(msg.value or b"", stage.input_type)
            except serde.EventError as exc:
                pending.append(await self._send_dead_letter(rec, exc, span))
                continue
            span.set_attribute("relaydesk.event_id", event.event_id)
            span.set_attribute("relaydesk.tenant_id", event.tenant_id or "")
            if stage.dedupe_capacity and event.event_id in self.seen:
                metrics.DEDUPED.labels(stage.name, "redelivered_input").inc()
                metrics.RECORDS.labels(stage.name, "deduped").inc()
                span.set_attribute("relaydesk.deduped", True)
                span.end()
                continue
            decoded.append((rec, event, span))

        if decoded:
            metrics.BATCH_SIZE.labels(stage.name).observe(len(decoded))
            results = await self._handle_with_policy([ev for _, ev, _ in decoded])
            for (rec, event, span), result in zip(decoded, results, strict=True):
                if isinstance(result, BaseException):
                    attempts = result.attempts if isinstance(result, HandlerFailed) else 1
                    pending.append(await self._send_dead_letter(rec, result, span, attempts))
                    continue
                try:
                    produced = [(out, stage.route(out), serde.serialize(out)) for out in result]
                except (serde.EventError, KeyError) as exc:  # a core produced an invalid event: a bug
                    log.error("stage %s produced an invalid event for %s", stage.name, event.event_id)
                    pending.append(await self._send_dead_letter(rec, exc, span))
                    continue
                ctx = trace.set_span_in_context(span)
                headers = inject_headers_in(ctx)
                for out, topic, value in produced:
                    pending.append(await self._produce(topic, key_for(out), value, headers))
                    metrics.OUTPUTS.labels(stage.name, topic).inc()
                    effect_metrics.observe(out)
                if stage.after_record is not None:
                    stage.after_record(rec, event, result)
                done.append(event.event_id)
                metrics.RECORDS.labels(stage.name, "ok").inc()
                span.end()
        # Delivery before ack: Faust acks these records only after this coroutine returns.
        await self._await_delivery(pending)
        if stage.dedupe_capacity:
            self.seen.add(done)
        metrics.PROCESS_SECONDS.labels(stage.name).observe(time.perf_counter() - started)

    # -- calling the core ------------------------------------------------------------------------------------
    async def _call(self, events: Sequence[Envelope]) -> Sequence[Sequence[Envelope]]:
        handler = self.stage.handle_batch
        t0 = time.perf_counter()
        try:
            if self._async_handler:
                return await handler(events)  # type: ignore[misc]
            if self.stage.run_in_thread:
                loop = asyncio.get_running_loop()
                return await loop.run_in_executor(self._executor, handler, events)  # type: ignore[arg-type]
            out = handler(events)
            return out  # type: ignore[return-value]
        finally:
            metrics.HANDLE_SECONDS.labels(self.stage.name).observe(time.perf_counter() - t0)

    async def _handle_with_policy(
        self, events: list[Envelope], attempted: int = 0
    ) -> list[Sequence[Envelope] | BaseException]:
        """One result per event: its outputs, or a `HandlerFailed` that counts every handler call the event was
        part of (`attempted`: calls of a batch it was in before it was isolated)."""
        stage = self.stage
        last: BaseException = RuntimeError("handler not called")
        calls = 0
        for attempt in range(1, stage.max_attempts + 1):
            calls = attempt
            try:
                outs = await self._call(events)
                if len(outs) != len(events):
                    raise RuntimeError(f"{stage.name}: handler returned {len(outs)} results for {len(events)}")
                return list(outs)
            except stage.retryable as exc:
                last = exc
                metrics.RETRIES.labels(stage.name).inc()
                log.warning("stage %s attempt %d failed: %s", stage.name, attempt, failure_reason(exc))
                if attempt < stage.max_attempts:
                    await asyncio.sleep(stage.retry_backoff_s * (2 ** (attempt - 1)))
            except Exception as exc:  # not retryable: isolate the failing record(s) below
                last = exc
                log.warning("stage %s handler failed: %s", stage.name, failure_reason(exc))
                break
        if len(events) == 1:
            return [HandlerFailed(last, attempted + calls)]
        # Isolate: one record at a time, so one poison record doesn't dead-letter its neighbours.
        results: list[Sequence[Envelope] | BaseException] = []
        for event in events:
            results.extend(await self._handle_with_policy([event], attempted + calls))
        return results

    # -- producing -------------------------------------------------------------------------------------------
    async def _produce(self, topic: str, key: bytes, value: bytes, headers: list[tuple[str, bytes]]) -> Any:
        return await self.app.producer.send(self.kafka.topic(topic), key, value, None, None, headers)

    async def _await_delivery(self, pending: list[Any]) -> None:
        if pending:
            await asyncio.gather(*pending)

    async def process_or_dead_letter(self, records: Sequence[faust.types.EventT], attempted: int = 0) -> None:
        """`process`, retried with a bound when it fails outside the handler (delivery, routing, a table write).
        A failing batch is tried once, then record by record, so good neighbours are not dead-lettered; a
        record that still fails is dead-lettered with the number of attempts, so the caller can ack it and the
        partition moves on (`attempted`: tries of a batch the record was in). Raises only if the dead letter
        itself cannot be delivered."""
        stage = self.stage
        tries = 1 if len(records) > 1 else stage.max_attempts
        last: BaseException = RuntimeError("not processed")
        for attempt in range(1, tries + 1):
            try:
                await self.process(records)
                return
            except Exception as exc:
                last = exc
                metrics.RETRIES.labels(stage.name).inc()
                log.warning("stage %s: processing attempt %d failed: %s", stage.name, attempt, failure_reason(exc))
                if attempt < tries:
                    await asyncio.sleep(stage.retry_backoff_s * (2 ** (attempt - 1)))
        if len(records) > 1:
            for rec in records:
                await self.process_or_dead_letter([rec], attempted + tries)
            return
        (rec,) = records
        span = tracer().start_span(f"{stage.name} dead letter", context=extract_context(rec.message.headers))
        await self._await_delivery([await self._send_dead_letter(rec, last, span, attempted + tries)])

    async def _send_dead_letter(self, rec: Any, exc: BaseException, span: trace.Span, attempts: int = 1) -> Any:
        msg = rec.message
        record = dead_letter(
            service=self.stage.name,
            topic=msg.topic,
            partition=msg.partition,
            offset=msg.offset,
            key=msg.key,
            value=msg.value,
            headers=msg.headers,
            error=exc,
            attempts=attempts,
        )
        span.set_status(Status(StatusCode.ERROR, record.error_type))
        span.set_attribute("relaydesk.dead_letter", True)
        span.end()
        metrics.RECORDS.labels(self.stage.name, "dead_letter").inc()
        log.warning(
            "dead-lettered %s[%d]@%d: %s", msg.topic, msg.partition, msg.offset, record.error_type
        )
        dlq_topic = f"{self.stage.input_topic}.dlq"
        return await self._produce(dlq_topic, msg.key or b"", serde.serialize(record), list(msg.headers or []))

    def submit(self, fn: Callable[..., Any], *args: Any) -> concurrent.futures.Future[Any]:
        """Run `fn` on the core's thread, between batches: tenant-config reloads never race a handler."""
        return self._executor.submit(fn, *args)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


def inject_headers_in(ctx: Any) -> list[tuple[str, bytes]]:
    from opentelemetry import context as otel_context

    token = otel_context.attach(ctx)
    try:
        return inject_headers()
    finally:
        otel_context.detach(token)


def install_stage(app: faust.App, stage: Stage, kafka: KafkaSettings) -> StageRunner:
    """Declare the input topic and an agent that runs `stage` over it."""
    runner = StageRunner(app, stage, kafka)
    topic = app.topic(
        kafka.topic(stage.input_topic),
        key_type=bytes,
        value_type=bytes,
        key_serializer="raw",
        value_serializer="raw",
        partitions=kafka.partitions if stage.input_topic != "relaydesk.tenant.config" else 1,
    )

    async def agent(stream: faust.StreamT) -> None:
        if stage.pipelined:
            await run_pipelined(stream, runner, stage.max_in_flight)
        elif stage.batch_size > 1:
            await run_batched(stream, runner, stage.batch_size, stage.batch_within_s)
        else:
            async for event in stream.events():
                await runner.process_or_dead_letter([event])

    agent.__name__ = f"{stage.name}_agent"
    agent.__qualname__ = agent.__name__
    app.agent(topic, name=f"relaydesk.{stage.name}")(agent)
    return runner


async def run_pipelined(stream: faust.StreamT, runner: StageRunner, max_in_flight: int) -> None:
    """Process records concurrently across conversations, in order within one, acking in offset order.

    Faust commits the highest contiguous acked offset of a partition, so acking a record only once it and
    every earlier record of its partition are done means a crash can only ever replay records, never skip one.
    A record whose processing keeps failing (bad input is dead-lettered at once; this is routing, delivery or
    a table write failing) is retried with a bound, then dead-lettered and acked in order like any other, so
    it never holds back its partition's commits. Only when even its dead letter cannot be delivered is the
    record left unacked and the exception thrown into the stream, so the agent stops."""
    # noack() is on faust's Stream, not on its StreamT protocol.
    manual: Any = stream.noack()  # type: ignore[attr-defined]
    slots = asyncio.Semaphore(max_in_flight)
    lanes: dict[str, asyncio.Task[None]] = {}  # the last task of each conversation
    in_order: dict[Any, collections.deque[list[Any]]] = {}  # per partition: [record, finished] by offset

    async def ack_finished(tp: Any) -> None:
        queue = in_order[tp]
        while queue and queue[0][1]:
            record, _ = queue.popleft()
            await manual.ack(record)

    async def run(entry: list[Any], previous: asyncio.Task[None] | None) -> None:
        record = entry[0]
        try:
            if previous is not None:
                await asyncio.wait({previous})  # the conversation's earlier turn first, whatever its outcome
            await runner.process_or_dead_letter([record])
        except Exception as exc:
            log.error("stage %s failed to process a record: %s", runner.stage.name, failure_reason(exc))
            await manual.throw(exc)
            raise
        finally:
            slots.release()
        entry[1] = True
        await ack_finished(record.message.tp)

    async for record in manual.events():
        await slots.acquire()
        key = bytes(record.message.key or b"").decode("utf-8", "replace") or f"offset-{record.message.offset}"
        entry = [record, False]
        in_order.setdefault(record.message.tp, collections.deque()).append(entry)
        lanes[key] = asyncio.create_task(run(entry, lanes.get(key)))
        if len(lanes) > 4 * max_in_flight:  # forget conversations whose last task is done
            for done_key in [k for k, t in lanes.items() if t.done()]:
                del lanes[done_key]


async def run_batched(stream: faust.StreamT, runner: StageRunner, max_batch: int, within_s: float) -> None:
    """Micro-batches without a timer while idle: Faust's `take_events` wakes every `within` (200 times a second
    at 5 ms) even when nothing comes, which was most of an idle stage's CPU. Here the agent's own task reads
    the stream into a bounded queue and one batcher task takes a batch as soon as a record is there: what has
    queued meanwhile joins it at once, and only after a batch of more than one record (traffic is flowing) does
    it wait up to `within_s` for more. A lone turn never waits. Records are acked in order once their batch is
    processed (dead letters included), so offsets are committed only after their outputs are delivered."""
    manual: Any = stream.noack()  # type: ignore[attr-defined]
    queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=max_batch)
    loop = asyncio.get_running_loop()

    async def batcher() -> None:
        busy = False
        while True:
            batch = [await queue.get()]
            while len(batch) < max_batch and not queue.empty():
                batch.append(queue.get_nowait())
            if busy and within_s > 0 and len(batch) < max_batch:
                deadline = loop.time() + within_s
                while len(batch) < max_batch and (left := deadline - loop.time()) > 0:
                    try:
                        batch.append(await asyncio.wait_for(queue.get(), left))
                    except TimeoutError:
                        break
            busy = len(batch) > 1
            try:
                await runner.process_or_dead_letter(batch)
            except Exception as exc:  # even the dead letter failed: leave them unacked and stop the agent
                log.error("stage %s failed to process a batch: %s", runner.stage.name, failure_reason(exc))
                await manual.throw(exc)
                raise
            for record in batch:
                await manual.ack(record)

    task = asyncio.create_task(batcher(), name=f"{runner.stage.name}-batcher")
    try:
        async for record in manual.events():
            if task.done():
                break
            await _put_unless_done(queue, record, task)
        if task.done() and not task.cancelled() and task.exception() is not None:
            raise task.exception()  # type: ignore[misc]
    finally:
        task.cancel()


async def _put_unless_done(queue: asyncio.Queue[Any], record: Any, task: asyncio.Task[None]) -> None:
    """Put `record`, waiting for room, unless the batcher dies meanwhile."""
    put = asyncio.ensure_future(queue.put(record))
    await asyncio.wait({put, task}, return_when=asyncio.FIRST_COMPLETED)
    if not put.done():
        put.cancel()
