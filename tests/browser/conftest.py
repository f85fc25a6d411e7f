"""Browser tests drive the console in the system's headless Chromium (Playwright for Python), against a whole
local stack of their own: a fixture of the same name in tests/e2e would be a second instance anyway (fixtures
are per directory), so this one is package-scoped and stops its stack when the browser tests are done, before
the e2e tests start theirs."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from stack_helpers import RunningStack, start_stack, stop_stack

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FAILURES = Path(__file__).resolve().parents[2] / "build" / "browser-failures"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "browser" in item.path.parts:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="package")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    home = tmp_path_factory.mktemp("browser-stack") / "home"
    running = start_stack(home)
    try:
        yield running
    finally:
        if running.proc.poll() is None:
            stop_stack(running)


@pytest.fixture(scope="package")
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
