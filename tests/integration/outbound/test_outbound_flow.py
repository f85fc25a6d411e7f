"""Outbound on a real Tansu broker: the gateway's campaign and consent API, the dialer (`relaydesk worker
campaigns`) and the simulated carrier (`relaydesk worker carrier`) as real processes.

A campaign with an AI voice dials its contacts; every dial passes the pre-dial check: the internal-DNC number,
the number without consent and the invalid one are blocked with their rule and never reach the carrier; the
answered calls open a conversation whose first message discloses the automated assistant, names the company,
tells how to opt out and uses the contact's name. A revocation then makes the number not callable, and a
second campaign of the tenant is blocked from dialling it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway_helpers import ADMIN, INTERNAL, RunningGateway, auth
from relaydesk.common.ports import free_port
from relaydesk.common.settings import KafkaSettings
from relaydesk.consent.numbers import phone_hash
from relaydesk.gateway.auth import KeyStore
from relaydesk.gateway.config import GatewaySettings

pytestmark = pytest.mark.slow

TENANT = "acme"
GOOD = ["+12125550181", "+12125550182"]
DNC = "+12125550183"
NO_CONSENT = "+12125550184"
INVALID = "+10005550185"


def midday_zone() -> str:
    """An IANA zone where it is now between 10:00 and 14:00, so the federal window never decides the test."""
    hour = datetime.now(UTC).hour
    offset = 12 - hour  # local = utc + offset
    offset = (offset + 12) % 24 - 12
    # Etc/GMT+N is UTC-N (POSIX sign).
    return "Etc/GMT" + (f"{-offset:+d}" if offset else "")


def wait_for(what: str, probe: Callable[[], Any], timeout_s: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout_s
    last: Any = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}; last: {last!r}")


@pytest.fixture
def outbound(kafka: KafkaSettings, tmp_path: Path) -> Iterator[tuple[httpx.Client, dict[str, subprocess.Popen[bytes]]]]:
    keys_file = tmp_path / "gateway-keys.json"
    key = KeyStore(keys_file).add(TENANT) or ""
    settings = GatewaySettings(keys_file=keys_file, admin_key=ADMIN, internal_token=INTERNAL,
                               search_url="http://127.0.0.1:9")
    gateway = RunningGateway(settings, kafka).start()
    env = {**os.environ, "RELAYDESK_KAFKA_BOOTSTRAP": kafka.bootstrap, "RELAYDESK_KAFKA_TOPIC_PREFIX": kafka.topic_prefix,
           "RELAYDESK_KAFKA_PARTITIONS": str(kafka.partitions), "RELAYDESK_HOME": str(tmp_path / "home"),
           "RELAYDESK_OTEL_EXPORTER": "none", "RELAYDESK_CARRIER_TIME_SCALE": "0.02"}
    workers: dict[str, subprocess.Popen[bytes]] = {}
    logs = {}
    try:
        for name in ("campaigns", "carrier", "compliance"):  # the opening goes through compliance
            logs[name] = (tmp_path / f"{name}.log").open("wb")
            workers[name] = subprocess.Popen(
                [sys.executable, "-m", "relaydesk.cli.main", "worker", name, "--loglevel", "warning"],
                env={**env, "RELAYDESK_WORKER_WEB_PORT": str(free_port())}, stdout=logs[name],
                stderr=subprocess.STDOUT,
            )
        with httpx.Client(base_url=gateway.url, timeout=30, headers=auth(key)) as client:
            yield client, workers
    finally:
        for proc in workers.values():
            proc.terminate()
        for proc in workers.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        for handle in logs.values():
            handle.close()
        gateway.stop()


def campaign(campaign_id: str) -> dict[str, Any]:
    return {
        "campaign_id": campaign_id, "purpose": "telemarketing", "channel": "voice", "ai_voice": True,
        "jurisdictions": ["us_federal"], "calling_window": {"start": "00:00", "end": "23:59"},
        "max_attempts_per_24h": 3, "company": "Acme Energy", "agents": 2, "answer_probability": 1.0,
    }


def test_when_campaign_runs_then_only_callable_numbers_are_dialled_and_opt_out_suppresses(outbound) -> None:
    client, workers = outbound
    zone = midday_zone()
    now = datetime.now(UTC).isoformat()
    ledger: list[dict[str, Any]] = [{"type": "registry_snapshot", "at": now}, {"type": "internal_dnc", "phone": DNC}]
    ledger += [{"type": "consent", "phone": p, "written": True, "scope": ["telemarketing"], "at": now}
               for p in [*GOOD, DNC, INVALID]]
    assert client.post("/v1/consent", json={"events": ledger}).status_code == 202

    bad = client.post("/v1/campaigns", json={**campaign("spring"), "channel": "fax"})
    assert bad.status_code == 422 and any(p.startswith("channel:") for p in bad.json()["detail"]["problems"])
    assert client.post("/v1/campaigns", json=campaign("spring")).status_code == 202
    rows = ["phone,first_name,tz", f"{GOOD[0]},Dana,{zone}", f"{GOOD[1]},Lee,{zone}", f"{DNC},Kim,{zone}",
            "not-a-number,Bob,", f"{NO_CONSENT},Ann,{zone}", f"{INVALID},Zed,{zone}"]
    imported = client.post("/v1/campaigns/spring/contacts", json={"format": "csv", "data": "\n".join(rows)}).json()
    assert imported["imported"] == 5
    assert [e["line"] for e in imported["errors"]] == [5]
    assert client.post("/v1/campaigns/spring/start").status_code == 200

    def settled() -> dict[str, Any] | None:
        status = client.get("/v1/campaigns/spring")
        body = status.json() if status.status_code == 200 else {}
        done = body.get("outcomes", {}).get("answered", 0) == 2 and body.get("blocked", 0) >= 3
        return body if done else None

    status = wait_for("the campaign's dials", settled, 90)
    for name, proc in workers.items():
        assert proc.poll() is None, f"worker {name} exited"
    assert status["allowed"] == 2
    assert status["blocked_by_rule"] == {"internal_dnc": 1, "invalid_number": 1, "no_consent": 1}
    allowed = {r["phone_hash"] for r in status["recent"] if r["allowed"]}
    assert allowed == {phone_hash(TENANT, p) for p in GOOD}  # no blocked number was dialled

    conversation = next(r["conversation_id"] for r in status["recent"]
                        if r["allowed"] and r["phone_hash"] == phone_hash(TENANT, GOOD[0]))
    replies = wait_for("the opening, checked by compliance",
                       lambda: client.get(f"/v1/conversations/{conversation}/replies", params={"wait": 5}).json()["items"],
                       60)
    opener = replies[0]["data"]["reply"]["text"]
    assert replies[0]["data"]["reply"]["mode"] == "scripted"
    assert "automated assistant" in opener and "Acme Energy" in opener and "Dana" in opener
    assert "stop" in opener.lower()

    # Opt-out: a revocation makes the number not callable for the tenant, in every campaign.
    assert client.post("/v1/consent", json={"type": "revocation", "phone": GOOD[0]}).status_code == 202
    shown = wait_for("not callable", lambda: (s := client.get(f"/v1/consent/{GOOD[0]}").json())["callable"] is False
                     and s, 20)
    assert shown["rule"] == "consent_revoked"
    assert client.post("/v1/campaigns", json=campaign("autumn")).status_code == 202
    client.post("/v1/campaigns/autumn/contacts", json={"format": "csv", "data": f"phone,tz\n{GOOD[0]},{zone}\n"})
    assert client.post("/v1/campaigns/autumn/start").status_code == 200
    autumn = wait_for("the second campaign's decision",
                      lambda: (b := client.get("/v1/campaigns/autumn").json()).get("attempts") and b, 60)
    assert autumn["allowed"] == 0
    assert autumn["blocked_by_rule"] == {"consent_revoked": 1}
