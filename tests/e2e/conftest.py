"""One local stack (`relaydesk up`) for the whole e2e session, in its own RELAYDESK_HOME.

Starting the stack costs about a minute, so every e2e test shares it. Tests that end the stack (stop it,
restart it) carry `@pytest.mark.ends_stack` and run after all the others.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from stack_helpers import RunningStack, start_stack, stop_stack


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Stable: keeps file order within each group, and the stack-ending tests last.
    items.sort(key=lambda item: item.get_closest_marker("ends_stack") is not None)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    home = tmp_path_factory.mktemp("stack") / "home"
    running = start_stack(home)
    try:
        yield running
    finally:
        if running.proc.poll() is None:
            stop_stack(running)
