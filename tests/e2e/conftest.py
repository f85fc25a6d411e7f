"""One local stack (`relaydesk up`) for all the e2e tests, in its own RELAYDESK_HOME.

Starting the stack costs about a minute, so every e2e test shares it. Tests that end the stack (stop it,
restart it) carry `@pytest.mark.ends_stack` and run after the other e2e tests. The stack is stopped right after
the last e2e test, so the tiers that run after it don't share the machine with an idle stack.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from stack_helpers import RunningStack, start_stack, stop_stack

_last_e2e: list[str] = []
_running: list[RunningStack] = []


def _is_e2e(item: pytest.Item) -> bool:
    return "e2e" in item.path.parts


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    positions = [i for i, item in enumerate(items) if _is_e2e(item)]
    group = sorted((items[i] for i in positions), key=lambda it: it.get_closest_marker("ends_stack") is not None)
    for i, item in zip(positions, group, strict=True):
        items[i] = item
    _last_e2e[:] = [group[-1].nodeid] if group else []


def _stop_shared_stack() -> None:
    while _running:
        running = _running.pop()
        if running.proc.poll() is None:
            stop_stack(running)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    home = tmp_path_factory.mktemp("stack") / "home"
    running = start_stack(home)
    _running.append(running)
    try:
        yield running
    finally:
        _stop_shared_stack()


@pytest.fixture(autouse=True)
def _stop_after_last_e2e_test(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if request.node.nodeid in _last_e2e:
        _stop_shared_stack()
