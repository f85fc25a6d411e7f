"""Start and stop a whole local stack (`relaydesk up`) for end-to-end tests, and call its CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from relaydesk.common.ports import free_port


@dataclass
class RunningStack:
    proc: subprocess.Popen[str]
    home: Path
    info: dict[str, object]
    state: dict[str, object]
    env: dict[str, str]

    def cli(self, *args: str, stdin: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "relaydesk.cli.main", *args],
            input=stdin, capture_output=True, text=True, env=self.env, timeout=timeout,
        )

    def cli_json(self, *args: str, stdin: str | None = None) -> dict[str, object]:
        out = self.cli(*args, stdin=stdin)
        assert out.returncode == 0, out.stderr[-2000:]
        return json.loads(out.stdout.strip().splitlines()[-1])


def start_stack(home: Path, timeout_s: float = 420) -> RunningStack:
    port = free_port()
    env = {**os.environ, "RELAYDESK_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    log = (home.parent / "up.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "relaydesk.cli.main", "up", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=log, text=True, env=env, start_new_session=True,
    )
    deadline = time.monotonic() + timeout_s
    assert proc.stdout is not None
    line = ""
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line.startswith("{") or proc.poll() is not None:
            break
    if not line.startswith("{"):
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(60)
        pytest.fail(f"relaydesk up did not start:\n{(home.parent / 'up.log').read_text()[-4000:]}")
    info = json.loads(line)
    state = json.loads((home / "stack.json").read_text())
    return RunningStack(proc, home, info, state, env)


def stop_stack(stack: RunningStack) -> None:
    os.killpg(stack.proc.pid, signal.SIGINT)
    stack.proc.wait(120)


WARP_DOC = "warp-drive-warranty"


def add_tenant_with_document(stack: RunningStack, folder: Path) -> tuple[str, str]:
    """A new tenant (with `tenant add`, twice) and one pushed Markdown document; returns (tenant, API key)."""
    tenant = f"acme{uuid.uuid4().hex[:6]}"
    created = stack.cli_json("tenant", "add", tenant)
    assert created["created"] is True and created["api_key"]
    again = stack.cli_json("tenant", "add", tenant)
    assert again["created"] is False and again["exists"] is True and again["api_key"] == created["api_key"]
    doc = folder / f"{WARP_DOC}.md"
    doc.write_text("# Warp drive warranty\n\nEvery Acme warp drive carries a 7-year zorbulon warranty.\n")
    pushed = stack.cli_json("kb", "push", "--tenant", tenant, str(doc))
    assert pushed["pushed"] == 1 and len(pushed["event_ids"]) == 1
    return tenant, str(created["api_key"])


def search_for(stack: RunningStack, tenant: str, query: str, doc_id: str, deadline_s: float = 15) -> list[dict]:
    """`kb search` results for `doc_id`, polling until it shows up or the deadline passes."""
    deadline = time.monotonic() + deadline_s
    found: list[dict] = []
    while time.monotonic() < deadline and not found:
        results = stack.cli_json("kb", "search", "--tenant", tenant, query)["results"]
        found = [r for r in results if isinstance(r, dict) and r["doc_id"] == doc_id]
    return found


def assert_nothing_left(stack: RunningStack) -> None:
    """After a stop: no service of the stack, nor any process started in its home, is still running."""
    import psutil

    pids = [int(p) for p in stack.state["services"].values() if p]
    time.sleep(1)
    alive = [p for p in pids if psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
    assert alive == []
    leftovers = []
    for proc in psutil.process_iter(["pid", "cmdline", "environ"]):
        try:
            env = proc.info.get("environ") or {}
            if env.get("RELAYDESK_HOME") == str(stack.home):
                leftovers.append(proc.info["pid"])
        except psutil.Error:
            continue
    assert leftovers == []
    assert not (stack.home / "stack.json").exists()


def poll(fetch: Callable[[], Any], done: Callable[[Any], bool], deadline_s: float, what: str) -> Any:
    """Call `fetch` until `done(result)` holds; fail the test with the last result when the deadline passes."""
    deadline = time.monotonic() + deadline_s
    last = None
    while time.monotonic() < deadline:
        last = fetch()
        if done(last):
            return last
        time.sleep(0.3)
    pytest.fail(f"{what} not seen within {deadline_s} s; last: {str(last)[:800]}")


def client(stack: RunningStack, key: str) -> httpx.Client:
    """An HTTP client for the stack's gateway with a tenant's (or agent's) bearer key."""
    return httpx.Client(base_url=str(stack.info["gateway"]), headers={"Authorization": f"Bearer {key}"},
                        timeout=60)
