"""Waiting in tests for something another thread or process does."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_until(check: Callable[[], bool], deadline_s: float, step_s: float = 0.05) -> bool:
    """Whether `check()` held within `deadline_s`, asking every `step_s` and once more at the end."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(step_s)
    return bool(check())
