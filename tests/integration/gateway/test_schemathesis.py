"""Property-based tests of the gateway from its own OpenAPI document (schemathesis): whatever a client sends,
with a valid tenant key, the gateway never answers with a server error. Runs against an in-process gateway on
the real broker, proxying searches to the real retrieval endpoint (Qdrant Edge, the real embedder); examples
are bounded so the whole module takes well under two minutes."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, reject, settings
from schemathesis.checks import not_a_server_error

from gateway_helpers import ADMIN, INTERNAL, RunningGateway, RunningSearch, auth
from relaydesk.common.internal_auth import ENV
from relaydesk.common.kafka import ensure_topics
from relaydesk.common.settings import KafkaSettings
from relaydesk.gateway.app import create_app
from relaydesk.gateway.auth import KeyStore
from relaydesk.gateway.config import GatewaySettings
from relaydesk.stack.broker import TansuBroker

EXAMPLES = 30
# Per operation: a route that waits by design (a command that waits for the state to come back) gets fewer
# examples, so the module stays near two minutes however many routes there are.
BUDGET_S = 12.0
pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")


@pytest.fixture(scope="module")
def fuzzed(broker: TansuBroker, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningGateway, str]]:
    kafka = KafkaSettings(bootstrap=broker.bootstrap, topic_prefix=f"t{uuid.uuid4().hex[:10]}.", partitions=2)
    ensure_topics(kafka)
    home: Path = tmp_path_factory.mktemp("fuzz")
    key = KeyStore(home / "keys.json").add("acme") or ""
    with pytest.MonkeyPatch.context() as env:
        # The gateway and the search endpoint it proxies share the internal token, as on the stack.
        env.setenv(ENV, INTERNAL)
        env.setenv("RELAYDESK_HOME", str(home))
        search = RunningSearch(kafka, home / "store").start()
        settings_ = GatewaySettings(
            keys_file=home / "keys.json", admin_key=ADMIN, internal_token=INTERNAL, search_url=search.url,
            # long-polls answer at once and the rate limit stays out of the way: this is about inputs
            reply_wait_max_s=0.05, rate_limit_per_s=100_000, rate_limit_burst=100_000,
        )
        gateway = RunningGateway(settings_, kafka).start()
        try:
            yield gateway, key
        finally:
            gateway.stop()
            search.stop()


# The document the gateway serves, read from the app itself at collection (no lifespan, no broker), so each
# operation is its own test, and routes other modules add are fuzzed as soon as they are registered.
_SCHEMA = schemathesis.openapi.from_dict(create_app(GatewaySettings()).openapi())
OPERATIONS = {result.ok().label: result.ok() for result in _SCHEMA.get_all_operations()}


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_when_fuzzed_from_its_openapi_then_no_server_error(label: str, fuzzed) -> None:
    gateway, key = fuzzed
    operation = OPERATIONS[label]
    headers = auth(ADMIN if operation.path.startswith("/v1/admin") else key)
    started = time.monotonic()

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck),
              database=None)
    @given(case=operation.as_strategy())
    def fuzz(case: schemathesis.Case) -> None:
        if time.monotonic() - started > BUDGET_S:
            reject()  # the budget is spent: the examples run so far stand
        if operation.path.endswith("/events"):
            _check_stream(case, gateway, headers)
            return
        try:
            case.call_and_validate(base_url=gateway.url, headers=headers, checks=[not_a_server_error], timeout=60)
        except UnicodeEncodeError:
            reject()  # a header value no HTTP client can send

    fuzz()


def _check_stream(case: schemathesis.Case, gateway: RunningGateway, headers: dict[str, str]) -> None:
    """An event stream never ends by itself: check the status line and that a 200 is really a stream."""
    kwargs = case.as_transport_kwargs(base_url=gateway.url, headers=headers)
    try:
        with httpx.stream(kwargs["method"], kwargs["url"], params=kwargs.get("params"),
                          headers=kwargs.get("headers"), timeout=60) as resp:
            assert resp.status_code < 500, f"{resp.status_code} for {case.path_parameters}"
            if resp.status_code == 200:
                assert resp.headers["content-type"].startswith("text/event-stream")
    except (httpx.LocalProtocolError, UnicodeEncodeError):
        reject()


def test_when_events_requested_with_an_invalid_id_then_422_before_any_stream(fuzzed) -> None:
    gateway, key = fuzzed
    for path in ("/v1/conversations/%25/events", "/v1/conversations/a%20b/events"):
        with httpx.stream("GET", gateway.url + path, headers=auth(key), timeout=5) as resp:
            assert resp.status_code == 422
            assert resp.headers["content-type"].startswith("application/json")
    with httpx.stream("GET", gateway.url + "/v1/conversations/c-1/events",
                      headers={**auth(key), "Last-Event-ID": "not a cursor"}, timeout=5) as resp:
        assert resp.status_code == 422
