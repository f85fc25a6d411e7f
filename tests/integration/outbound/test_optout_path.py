"""The opt-out path on a real broker: a customer turn through the gateway, the guard (`relaydesk worker guard`,
a real process) and the consent ledger, to `GET /v1/consent/{phone}` saying not callable; a look-alike turn
from another number changes nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gateway_helpers import ADMIN, INTERNAL, RunningGateway, auth
from relaydesk.common.ports import free_port
from relaydesk.common.settings import KafkaSettings
from relaydesk.gateway.auth import KeyStore
from relaydesk.gateway.config import GatewaySettings

pytestmark = pytest.mark.slow

REVOKER, LOOKALIKE = "+14155550171", "+14155550172"


@pytest.fixture
def api(kafka: KafkaSettings, tmp_path: Path) -> Iterator[httpx.Client]:
    keys_file = tmp_path / "gateway-keys.json"
    key = KeyStore(keys_file).add("acme") or ""
    gateway = RunningGateway(GatewaySettings(keys_file=keys_file, admin_key=ADMIN, internal_token=INTERNAL,
                                             search_url="http://127.0.0.1:9"), kafka).start()
    env = {**os.environ, "RELAYDESK_KAFKA_BOOTSTRAP": kafka.bootstrap, "RELAYDESK_KAFKA_TOPIC_PREFIX": kafka.topic_prefix,
           "RELAYDESK_KAFKA_PARTITIONS": str(kafka.partitions), "RELAYDESK_HOME": str(tmp_path / "home"),
           "RELAYDESK_OTEL_EXPORTER": "none", "RELAYDESK_GUARD_RULES_ONLY": "true",
           "RELAYDESK_WORKER_WEB_PORT": str(free_port())}
    log = (tmp_path / "guard.log").open("wb")
    guard = subprocess.Popen([sys.executable, "-m", "relaydesk.cli.main", "worker", "guard", "--loglevel", "info"],
                             env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        with httpx.Client(base_url=gateway.url, timeout=30, headers=auth(key)) as client:
            yield client
    finally:
        guard.terminate()
        try:
            guard.wait(timeout=20)
        except subprocess.TimeoutExpired:
            guard.kill()
        log.close()
        gateway.stop()


def test_when_customer_opts_out_in_free_text_then_number_is_not_callable(api: httpx.Client) -> None:
    for phone in (REVOKER, LOOKALIKE):
        api.post("/v1/consent", json={"type": "consent", "phone": phone, "written": True, "scope": ["telemarketing"]})
    assert api.post("/v1/messages", json={"conversation_id": "ob-1", "channel": "outbound", "lang": "en",
                                          "text": "I can't stop laughing", "customer_ref": LOOKALIKE}).status_code == 202
    started = time.monotonic()
    assert api.post("/v1/messages", json={"conversation_id": "ob-2", "channel": "outbound", "lang": "ja",
                                          "text": "もう電話しないでください", "customer_ref": REVOKER}).status_code == 202
    deadline = started + 300  # the guard process loads its models first (minutes on a loaded machine)
    shown: dict = {}
    while time.monotonic() < deadline:
        shown = api.get(f"/v1/consent/{REVOKER}").json()
        if shown["callable"] is False:
            break
        time.sleep(0.05)
    assert shown["callable"] is False and shown["rule"] == "consent_revoked"
    revocation = next(e for e in shown["events"] if e["type"] == "revocation")
    assert revocation["source"] == "guard" and revocation["detail"].startswith("ja.")
    assert api.get(f"/v1/consent/{LOOKALIKE}").json()["callable"] is True
