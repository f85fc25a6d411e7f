"""One local stack (`relaydesk up`) per e2e module, in its own RELAYDESK_HOME, stopped with SIGINT at the end."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from stack_helpers import RunningStack, start_stack, stop_stack


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    home = tmp_path_factory.mktemp("stack") / "home"
    running = start_stack(home)
    try:
        yield running
    finally:
        if running.proc.poll() is None:
            stop_stack(running)
