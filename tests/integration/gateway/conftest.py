"""Gateway integration fixtures: in-process replicas on the session's real Tansu broker."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway_helpers import ADMIN, INTERNAL, GatewayFactory
from relaydesk.common.settings import KafkaSettings
from relaydesk.gateway.auth import KeyStore
from relaydesk.gateway.config import GatewaySettings


@pytest.fixture
def gateways(kafka: KafkaSettings, tmp_path: Path) -> Iterator[GatewayFactory]:
    """Start as many replicas as a test needs; they share one keys file, as replicas share a Secret."""
    keys_file = tmp_path / "gateway-keys.json"
    store = KeyStore(keys_file)
    api_keys = {t: store.add(t) or "" for t in ("acme", "globex")}
    settings = GatewaySettings(
        keys_file=keys_file, admin_key=ADMIN, internal_token=INTERNAL, search_url="http://127.0.0.1:9"
    )
    factory = GatewayFactory(kafka, settings, api_keys, store, [])
    try:
        yield factory
    finally:
        for gateway in factory.running:
            gateway.stop()
