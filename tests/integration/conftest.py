"""Integration fixtures: one real Tansu broker per session; per test, its own topic prefix (so its own topics
and consumer groups), with every topic created up front."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from relaydesk.common.kafka import ensure_topics
from relaydesk.common.settings import KafkaSettings
from relaydesk.stack.broker import TansuBroker


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TansuBroker]:
    log = tmp_path_factory.mktemp("broker") / "tansu.log"
    with TansuBroker(log_file=log) as b:
        yield b


@pytest.fixture
def kafka(broker: TansuBroker) -> KafkaSettings:
    settings = KafkaSettings(bootstrap=broker.bootstrap, topic_prefix=f"t{uuid.uuid4().hex[:10]}.", partitions=2)
    ensure_topics(settings)
    return settings


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELAYDESK_HOME", str(tmp_path / "home"))
