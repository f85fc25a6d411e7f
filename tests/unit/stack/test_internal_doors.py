"""Internal doors closed by default: the internal service token, Faust's own web views, the outage switch."""

from __future__ import annotations

import pytest

from relaydesk.common.internal_auth import HEADER, auth_headers, internal_token, token_matches
from relaydesk.common.settings import KafkaSettings
from relaydesk.retrieval.fault_switch import StoreOutage, faults_enabled
from relaydesk.vectorstore import VectorStoreError


@pytest.mark.parametrize(
    ("presented", "expected", "ok"),
    [
        ("s3cret-token", "s3cret-token", True),  # the stack's own caller
        (None, "s3cret-token", False),  # no credential
        ("", "s3cret-token", False),  # an empty header
        ("s3cret-tokeX", "s3cret-token", False),  # one character off
        ("s3cret-token", None, False),  # no token configured: closed, not open
        ("", "", False),  # nor does an empty token match an empty header
        ("jeton-à-accent", "jeton-à-accent", True),  # non-ASCII compares as bytes
    ],
)
def test_when_a_token_is_presented_then_only_the_configured_one_matches(
    presented: str | None, expected: str | None, ok: bool
) -> None:
    assert token_matches(presented, expected) is ok


def test_when_the_env_holds_a_token_then_callers_send_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELAYDESK_INTERNAL_TOKEN", "  abc  ")
    assert internal_token() == "abc" and auth_headers() == {HEADER: "abc"}
    monkeypatch.delenv("RELAYDESK_INTERNAL_TOKEN")
    assert internal_token() is None and auth_headers() == {}


def test_when_a_worker_app_is_made_then_faust_default_views_are_off_and_web_is_loopback(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    from relaydesk.common.faust_app import make_app

    monkeypatch.setenv("RELAYDESK_HOME", str(tmp_path))
    app = make_app("doors-test", KafkaSettings(bootstrap="127.0.0.1:1"), web_port=6099)
    conf = app.conf
    assert conf.web_bind == "127.0.0.1"
    assert not conf.web_tables_enabled and not conf.web_router_enabled
    assert not conf.web_stats_enabled and not conf.web_graph_enabled and not conf.web_metrics_enabled


class FakeStore:
    def __init__(self) -> None:
        self.calls = 0
        self.name = "fake"

    def search(self, *args: object) -> list[str]:
        self.calls += 1
        return ["hit"]


def test_when_the_store_is_switched_down_then_calls_fail_until_it_is_restored() -> None:
    now = [0.0]
    store = FakeStore()
    outage = StoreOutage(store, clock=lambda: now[0])
    assert outage.search("q") == ["hit"] and outage.name == "fake"
    assert outage.down_for(30) == 30 and outage.down
    with pytest.raises(VectorStoreError):
        outage.search("q")
    assert store.calls == 1  # the failing call never reached the store
    now[0] = 31.0  # the outage ends by itself
    assert not outage.down and outage.search("q") == ["hit"]
    outage.down_for(1e9)  # capped, so a typo cannot take retrieval away for good
    assert outage.remaining_s() <= 600
    outage.down_for(0)
    assert not outage.down


def test_when_faults_are_not_enabled_then_no_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RELAYDESK_FAULTS_ENABLED", raising=False)
    assert not faults_enabled()
    monkeypatch.setenv("RELAYDESK_FAULTS_ENABLED", "1")
    assert faults_enabled()
