"""Test tiers by directory: tests/unit -> unit, tests/integration -> integration, tests/e2e -> e2e.

`make test` runs them all; `pytest -m unit` (or integration, e2e) runs one tier.
"""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# Derived artifacts (the converted SmolLM2, the fitted injection classifier) are shared by every test and by the
# stacks the e2e tests start, so they are built once per machine rather than once per test home.
os.environ.setdefault("RELAYDESK_CACHE_DIR", os.path.expanduser("~/.cache/relaydesk"))
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

_TIERS = ("unit", "integration", "e2e")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        parts = item.path.parts
        for tier in _TIERS:
            if tier in parts and not item.get_closest_marker(tier):
                item.add_marker(getattr(pytest.mark, tier))


@pytest.fixture(scope="session", autouse=True)
def _tracing() -> None:
    """A real SDK tracer provider (no exporter), so spans get their own ids as they do in every process."""
    from relaydesk.common.tracing import setup_tracing

    setup_tracing("tests")
