"""Browser tests drive the console in the system's headless Chromium (Playwright for Python) against the human
side of relaydesk, running for real: a Tansu broker, the gateway, and the conversations, assist and compliance
processors as separate processes, as `relaydesk up` runs them. What comes before them on the reply path (guard,
intent, emotion, retrieval and generation, with the model on Ray Serve) is covered by tests/e2e/test_handoff.py;
here the tests produce the hand-off and the annotated customer turns those stages would have produced. That
keeps these tests to seconds and independent of the model server (assist then offers cards and extractive
drafts; the model's drafts are tested in the e2e test and the assist unit tests)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from relaydesk.common.kafka import ensure_topics
from relaydesk.common.ports import free_port
from relaydesk.common.settings import KafkaSettings
from relaydesk.gateway.auth import KeyStore
from relaydesk.stack.broker import TansuBroker

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FAILURES = Path(__file__).resolve().parents[2] / "build" / "browser-failures"
PROCESSORS = ("conversations", "assist", "compliance")


@dataclass
class Desk:
    gateway: str
    api_keys: dict[str, str]
    kafka: KafkaSettings


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "browser" in item.path.parts:
            item.add_marker(pytest.mark.browser)
    # Last in the session: while Playwright's sync API is open it keeps an event loop running in the main
    # thread, and no asyncio test can run beside it.
    items.sort(key=lambda item: "browser" in item.path.parts)


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return bool(resp.status == 200)
    except OSError:
        return False


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    home = tmp_path_factory.mktemp("desk")
    with TansuBroker(log_file=home / "tansu.log") as broker:
        kafka = KafkaSettings(bootstrap=broker.bootstrap, partitions=2)
        ensure_topics(kafka)
        keys = KeyStore(home / "gateway-keys.json")
        api_keys = {"acme": keys.add("acme") or "", "globex": keys.add("globex") or ""}
        port = free_port()
        env = {**os.environ, "RELAYDESK_HOME": str(home), "RELAYDESK_KAFKA_BOOTSTRAP": broker.bootstrap,
               "RELAYDESK_KAFKA_PARTITIONS": "2", "RELAYDESK_GATEWAY_KEYS_FILE": str(home / "gateway-keys.json"),
               "RELAYDESK_GATEWAY_PORT": str(port), "RELAYDESK_ASSIST_GENERATE": "false",
               "RELAYDESK_OTEL_EXPORTER": "none", "PYTHONUNBUFFERED": "1"}
        commands = {"gateway": ["gateway"], **{name: ["worker", name] for name in PROCESSORS}}
        web_ports = {name: free_port() for name in PROCESSORS}
        procs: list[subprocess.Popen[bytes]] = []
        try:
            for name, args in commands.items():
                extra = {"RELAYDESK_WORKER_WEB_PORT": str(web_ports[name])} if name in web_ports else {}
                log = (home / f"{name}.log").open("wb")
                procs.append(subprocess.Popen([sys.executable, "-m", "relaydesk.cli.main", *args],
                                              env={**env, **extra}, stdout=log, stderr=log, start_new_session=True))
            urls = [f"http://127.0.0.1:{port}/readyz",
                    *(f"http://127.0.0.1:{p}/readyz" for p in web_ports.values())]
            deadline = time.monotonic() + 240
            while not all(_ready(u) for u in urls):
                dead = [p.args for p in procs if p.poll() is not None]
                if dead or time.monotonic() > deadline:
                    logs = {n: (home / f"{n}.log").read_text(errors="replace")[-1500:] for n in commands}
                    pytest.fail(f"desk processes not ready (exited: {dead}):\n{logs}")
                time.sleep(0.5)
            yield Desk(gateway=f"http://127.0.0.1:{port}", api_keys=api_keys, kafka=kafka)
        finally:
            for proc in procs:
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGTERM)
            for proc in procs:
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(10)


@pytest.fixture(scope="module")  # closed with its module (a package scope outlives it without __init__.py)
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail("no system Chromium: `apt-get install -y chromium` (make test installs it when missing)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: object, request: pytest.FixtureRequest) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    try:
        yield page
    finally:
        # A screenshot of the page as it was when a test failed.
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            FAILURES.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(FAILURES / f"{request.node.name}.png"), full_page=True)
        context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
