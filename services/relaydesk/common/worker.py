"""What every stream-processor process has around its stages: health, readiness and metrics pages on Faust's
web server, tenant-config hot reload, and routing of a core's output events to topics."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import faust
from confluent_kafka import Message
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic_settings import BaseSettings, SettingsConfigDict

from relaydesk.common import serde
from relaydesk.common.broadcast import BroadcastConsumer
from relaydesk.common.dlq import DeadLetterProducer
from relaydesk.common.settings import KafkaSettings
from relaydesk.common.tenant_configs import CONFIG_FETCH_WAIT_MS, config_from_record, supersedes
from relaydesk.common.topics import Topics
from relaydesk.events import Envelope, TenantConfig

log = logging.getLogger(__name__)

CONFIG_LOAD_TIMEOUT_S = 60.0

# aiohttp refuses a charset inside content_type (it answered 500 on every scrape); Prometheus text is UTF-8.
METRICS_CONTENT_TYPE = "; ".join(
    part.strip() for part in CONTENT_TYPE_LATEST.split(";") if not part.strip().startswith("charset")
)


class WorkerWebSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RELAYDESK_WORKER_WEB_", frozen=True)

    host: str = "127.0.0.1"
    port: int = 6066


def route_by_type(routes: Mapping[type[Envelope], str]) -> Callable[[Envelope], str]:
    def route(event: Envelope) -> str:
        try:
            return routes[type(event)]
        except KeyError:
            raise KeyError(f"no route for {type(event).__name__}") from None

    return route


class TenantConfigFeed:
    """Reads the compacted tenant-config topic in full (every replica needs every tenant) and hands the latest
    revision per tenant to each `apply`, which its `submit` runs on that core's own thread."""

    def __init__(
        self,
        kafka: KafkaSettings,
        appliers: Sequence[tuple[Callable[[TenantConfig], None], Callable[..., Any]]],
        service: str,
    ) -> None:
        self._appliers = list(appliers)  # (apply, submit): each worker of the process, on its own core thread
        self._revisions: dict[str, int] = {}
        self._dead_letters = DeadLetterProducer(kafka, f"{service}-config")
        # marker=True: `wait_loaded` knows exactly when every config written so far has been applied.
        self.consumer = BroadcastConsumer(
            kafka, (Topics.TENANT_CONFIG,), self._on_record, name=f"{service}-config",
            fetch_wait_ms=CONFIG_FETCH_WAIT_MS, marker=True,
        )

    def _on_record(self, msg: Message) -> None:
        if not msg.value():
            return
        try:
            # the revision is the record's offset, and the tie rule is shared: common/tenant_configs.py
            config = config_from_record(msg)
        except serde.EventError as exc:  # poison: kept in tenant.config.dlq with its reason, and skipped
            self._dead_letters.send(msg, exc)
            return
        if config is None or not supersedes(config, self._revisions.get(config.tenant_id)):
            return
        self._revisions[config.tenant_id] = config.revision
        for apply, submit in self._appliers:
            submit(apply, config).result(timeout=60)
        log.info("tenant %s config revision %d applied", config.tenant_id, config.revision)

    def wait_loaded(self, timeout_s: float = CONFIG_LOAD_TIMEOUT_S) -> None:
        """Block until every tenant config written before this call has been applied. A worker calls it before
        it consumes any turn, so an opted-out tenant's raw text is never archived after a restart."""
        if not self.consumer.wait_caught_up(timeout_s):
            raise RuntimeError(f"tenant configs not loaded within {timeout_s:.0f} s; not consuming turns")

    def start(self) -> TenantConfigFeed:
        self.consumer.start()
        return self


def install_ops_pages(
    app: faust.App, ready: Callable[[], bool], extra: Callable[[], dict[str, Any]] | None = None
) -> None:
    @app.page("/healthz")
    async def healthz(self: Any, request: Any) -> Any:
        return self.json({"status": "ok"})

    @app.page("/readyz")
    async def readyz(self: Any, request: Any) -> Any:
        is_ready = ready() and not app.rebalancing
        body: dict[str, Any] = {"ready": is_ready}
        if extra is not None:
            body.update(extra())
        return self.json(body, status=200 if is_ready else 503)

    @app.page("/metrics")
    async def metrics(self: Any, request: Any) -> Any:
        return self.bytes(generate_latest(), content_type=METRICS_CONTENT_TYPE)


class Started:
    """A flag that flips once the Faust app has started its agents."""

    def __init__(self, app: faust.App) -> None:
        self.value = False

        @app.task
        async def _mark_started() -> None:
            self.value = True

    def __call__(self) -> bool:
        return self.value


def as_batch(handle: Callable[[Any, Any], Any], deps: Any) -> Callable[[Any], list[Any]]:
    """A one-at-a-time core as a batch handler (the runner still batches the Kafka side)."""

    def handle_batch(events: Any) -> list[Any]:
        return [handle(event, deps) for event in events]

    return handle_batch


def splice(
    results: Sequence[Sequence[Envelope]], kind: type[Envelope], replacements: Iterator[list[Envelope]]
) -> list[list[Envelope]]:
    """Each output of type `kind` in `results` (one list per input) replaced, in order, by the next list of
    `replacements`; every other output stays where it was. How a process chains two cores (nlu/app.py,
    reply/app.py): the second core's outputs for what the first emitted, in the first one's place."""
    return [[x for out in outs for x in (next(replacements) if isinstance(out, kind) else [out])] for outs in results]


def concurrent_by_conversation(handle: Callable[[Any, Any], Any], deps: Any) -> Callable[[Any], Any]:
    """An async one-at-a-time core as a batch handler: conversations run concurrently (so the model server can
    batch them), turns of one conversation run in order."""
    import asyncio

    async def handle_batch(events: Any) -> list[Any]:
        results: list[Any] = [None] * len(events)
        lanes: dict[str, list[int]] = {}
        for index, event in enumerate(events):
            lanes.setdefault(event.conversation_id or event.event_id, []).append(index)

        async def run_lane(indices: list[int]) -> None:
            for index in indices:
                results[index] = await handle(events[index], deps)

        await asyncio.gather(*(run_lane(ix) for ix in lanes.values()))
        return results

    return handle_batch


Stages = Callable[[faust.App, KafkaSettings], list[Any]]


@dataclass
class WorkerHost:
    """One Faust app that carries the stages of one or more workers: one consumer, one web server with one set
    of ops pages, one tenant-config feed. A worker on its own is a host of one (`build_worker`); the local stack
    puts several light workers in one (`cohosted`, stack/layout.py), one process and one poller instead of each."""

    service: str
    app: faust.App
    kafka: KafkaSettings
    appliers: list[tuple[Callable[[TenantConfig], None], Callable[..., Any]]] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)

    @classmethod
    def create(cls, service: str, kafka: KafkaSettings | None = None, *, with_tables: bool = False) -> WorkerHost:
        from relaydesk.common.faust_app import make_app

        kafka = kafka or KafkaSettings()
        web = WorkerWebSettings()
        app = make_app(service, kafka, web_host=web.host, web_port=web.port, with_tables=with_tables)
        return cls(service, app, kafka)

    def add(
        self, stages: Stages, apply_config: Callable[[TenantConfig], None] | None, kafka: KafkaSettings | None
    ) -> faust.App:
        """Install one worker's stages; tenant configs reach `apply_config` on its first stage's core thread."""
        runners = stages(self.app, kafka or self.kafka)
        if apply_config is not None:
            self.appliers.append((apply_config, runners[0].submit))
        self.inputs.extend(r.stage.input_topic for r in runners if hasattr(r, "stage"))
        return self.app

    def finish(self) -> faust.App:
        """The ops pages, the lag exporter, and every tenant config applied before any agent starts (so no turn
        is consumed without its tenant's config, and an opted-out tenant's raw text is never archived)."""
        started = Started(self.app)
        feed: TenantConfigFeed | None = None
        if self.appliers:
            feed = TenantConfigFeed(self.kafka, self.appliers, self.service).start()
            feed.wait_loaded()

        def ready() -> bool:
            return started() and (feed is None or feed.consumer.ready)

        install_ops_pages(self.app, ready)
        # Optional (RELAYDESK_LAG_EXPORTER_INTERVAL_S): relaydesk_consumer_lag for this app's group and inputs.
        from relaydesk.ops.lag import install_lag_exporter

        install_lag_exporter(self.app, self.kafka, self.inputs)
        return self.app


_HOST: ContextVar[WorkerHost | None] = ContextVar("relaydesk_worker_host", default=None)


@contextlib.contextmanager
def cohosted(service: str, kafka: KafkaSettings | None = None) -> Iterator[WorkerHost]:
    """Within this block every `build_worker` installs its stages on one shared app named `service` (its
    consumer group, and its tables' changelogs) and returns that app; call `finish()` on the host afterwards."""
    host = WorkerHost.create(service, kafka, with_tables=True)  # batches of one for every changelog (NOTES.md)
    token = _HOST.set(host)
    try:
        yield host
    finally:
        _HOST.reset(token)


def build_worker(
    service: str,
    stages: Stages,
    *,
    apply_config: Callable[[TenantConfig], None] | None = None,
    with_tables: bool = False,
    kafka: KafkaSettings | None = None,
) -> faust.App:
    """A Faust app with `stages(app, kafka)` installed (it returns their runners), ops pages, and tenant-config
    hot reload run on the first stage's core thread. Inside `cohosted(...)`, the shared app with these stages
    added (the host finishes it)."""
    host = _HOST.get()
    if host is not None:
        return host.add(stages, apply_config, kafka)
    host = WorkerHost.create(service, kafka, with_tables=with_tables)
    host.add(stages, apply_config, None)
    return host.finish()
