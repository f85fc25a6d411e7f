"""Supervision on the shared stack: a worker killed with SIGKILL is restarted by `relaydesk up` with no human,
the restart is said on stderr and in logs/supervisor.log and counted in the state file, and turns are answered
again. The test waits until the restarted worker is ready, so the stack is whole for the tests after it."""

from __future__ import annotations

import json
import os
import signal
import time
import urllib.error
import urllib.request

import psutil

from polling import wait_until
from stack_helpers import RunningStack


def _killed(stack: RunningStack) -> str:
    """The process that classifies intent: `worker-guard-nlu` on the local stack, `worker-nlu` or `worker-intent`
    where it runs apart."""
    services = _state(stack)["services"]
    return next(name for name in ("worker-guard-nlu", "worker-nlu", "worker-intent") if name in services)


def _state(stack: RunningStack) -> dict:
    return json.loads((stack.home / "stack.json").read_text())


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return resp.status == 200
    except (OSError, urllib.error.URLError):
        return False


def test_when_a_worker_is_killed_then_it_is_restarted_and_turns_are_answered(stack: RunningStack) -> None:
    before = _state(stack)
    killed = _killed(stack)
    old_pid = int(before["services"][killed])
    restarts_before = before.get("restarts", {}).get(killed, 0)
    ready_url = f"{before['endpoints'][killed]}/readyz"
    assert _ready(ready_url)

    os.kill(old_pid, signal.SIGKILL)
    killed_at = time.monotonic()
    assert wait_until(lambda: int(_state(stack)["services"][killed]) != old_pid, 30, step_s=0.25), "no restart within 30 s"
    after = _state(stack)
    new_pid = int(after["services"][killed])
    assert after["restarts"][killed] == restarts_before + 1
    assert psutil.Process(new_pid).ppid() == stack.proc.pid  # started by `relaydesk up` itself
    assert stack.proc.poll() is None  # the stack did not stop
    assert wait_until(lambda: _ready(ready_url), 120, step_s=0.25), "the restarted worker never became ready"
    back_s = time.monotonic() - killed_at

    log = (stack.home / "logs" / "supervisor.log").read_text()
    assert f"{killed} (pid {old_pid}) exited with code -9" in log and f"{killed} restarted (pid {new_pid}" in log
    stderr = (stack.home.parent / "up.log").read_text()
    assert f"{killed} restarted (pid {new_pid}" in stderr

    out = stack.cli_json("chat", "--tenant", "demo", "I lost my credit card yesterday, can you block it?")
    assert out["reply"]["text"].strip()
    assert out["intent"]["label"] == "lost_or_stolen_card"  # the restarted intent worker classified it
    assert back_s < 120
