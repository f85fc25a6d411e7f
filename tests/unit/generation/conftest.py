from __future__ import annotations

import pytest

from relaydesk.generation.memory import ListPartialSink


@pytest.fixture
def partials() -> ListPartialSink:
    return ListPartialSink()
