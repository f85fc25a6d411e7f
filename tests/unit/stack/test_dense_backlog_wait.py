"""Stack benchmarks wait for the knowledge worker's dense backfill: the backlog is read from a real /metrics page,
the wait ends when it is empty or at its timeout, and the report says what was found and what was left."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest
from prometheus_client import CollectorRegistry, Gauge, generate_latest

from clocks import ManualClock
from relaydesk.bench.backfill import KNOWLEDGE_ENDPOINT, dense_backlog, wait_for_dense_backlog
from relaydesk.common.ports import free_port

pytestmark = pytest.mark.unit


@pytest.fixture
def metrics_page() -> Iterator[tuple[str, Gauge]]:
    """A /metrics page served over HTTP from its own registry, as a worker serves it."""
    registry = CollectorRegistry()
    backlog = Gauge("relaydesk_dense_backlog", "queued", registry=registry)
    Gauge("relaydesk_generation_queue_depth", "other", registry=registry).set(3)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = generate_latest(registry) if self.path == "/metrics" else b""
            self.send_response(200 if body else 404)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", backlog
    server.shutdown()
    server.server_close()


def test_when_worker_serves_backlog_then_it_is_read(metrics_page: tuple[str, Gauge]) -> None:
    url, backlog = metrics_page
    backlog.set(42)
    assert dense_backlog(url) == 42
    backlog.set(0)
    assert dense_backlog(url + "/") == 0


def test_when_page_unreachable_or_without_the_metric_then_unknown(metrics_page: tuple[str, Gauge]) -> None:
    assert dense_backlog(f"http://127.0.0.1:{free_port()}", timeout_s=1) is None
    url, _ = metrics_page
    assert dense_backlog(url + "/nothing-here") is None


def test_when_backlog_drains_then_wait_ends_at_zero() -> None:
    readings = iter([120.0, 80.0, 7.0, 0.0])
    t = ManualClock()
    report = wait_for_dense_backlog({KNOWLEDGE_ENDPOINT: "http://k"}, 600, read=lambda _: next(readings),
                                    clock=t, sleep=t.sleep)  # fmt: skip
    assert report == {"at_start": 120.0, "waited_s": 3.0, "left": 0.0}
    assert t.sleeps == 3


def test_when_backlog_never_drains_then_wait_stops_at_timeout_and_reports_what_is_left() -> None:
    t = ManualClock()
    report = wait_for_dense_backlog({KNOWLEDGE_ENDPOINT: "http://k"}, 5, read=lambda _: 9.0, clock=t,
                                    sleep=t.sleep)  # fmt: skip
    assert report == {"at_start": 9.0, "waited_s": 5.0, "left": 9.0}


@pytest.mark.parametrize(
    ("endpoints", "timeout_s", "first", "expected"),
    [
        ({}, 600, 10.0, None),  # no local stack: nothing is read
        ({KNOWLEDGE_ENDPOINT: "http://k"}, 600, 0.0, 0.0),  # nothing queued
        ({KNOWLEDGE_ENDPOINT: "http://k"}, 600, None, None),  # not readable
        ({KNOWLEDGE_ENDPOINT: "http://k"}, 0, 10.0, 10.0),  # told not to wait: still reported
    ],
)
def test_when_nothing_to_wait_for_then_no_wait(
    endpoints: dict[str, str], timeout_s: float, first: float | None, expected: float | None
) -> None:
    t = ManualClock()
    report = wait_for_dense_backlog(endpoints, timeout_s, read=lambda _: first, clock=t, sleep=t.sleep)
    assert report == {"at_start": expected, "waited_s": 0.0, "left": expected}
    assert t.sleeps == 0
