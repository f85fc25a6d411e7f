"""Child processes of the local stack: each in its own session, logged to a file, and stopped so that nothing
is left behind (Ray's raylet and GCS included)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psutil


@dataclass
class Child:
    name: str
    args: Sequence[str]
    env: dict[str, str]
    log_path: Path
    proc: subprocess.Popen[bytes] | None = None
    descendants: set[int] = field(default_factory=set)

    def start(self) -> Child:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "relaydesk.cli.main", *self.args],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=self.env,
            start_new_session=True,
        )
        log.close()
        return self

    @property
    def pid(self) -> int:
        return self.proc.pid if self.proc else 0

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def remember_descendants(self) -> None:
        """Ray daemonises parts of itself; remember every descendant while the tree is still intact."""
        if not self.alive():
            return
        with contextlib.suppress(psutil.Error):
            self.descendants |= {p.pid for p in psutil.Process(self.pid).children(recursive=True)}

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return ""


def stop_children(children: Sequence[Child], timeout_s: float = 20.0) -> list[int]:
    """SIGTERM every child's process group, wait, then SIGKILL what is left. Returns pids that had to be killed."""
    for child in children:
        child.remember_descendants()
    for child in children:
        if child.alive():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(child.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    for child in children:
        if child.proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
    killed: list[int] = []
    for child in children:
        if child.alive():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(child.pid, signal.SIGKILL)
            killed.append(child.pid)
            if child.proc is not None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    child.proc.wait(timeout=5)
    killed.extend(kill_stragglers({pid for c in children for pid in c.descendants}))
    return killed


def kill_stragglers(pids: set[int], marker: str | None = None, grace_s: float = 5.0) -> list[int]:
    """Terminate remembered descendants still running, and any process whose command line holds `marker`."""
    procs: list[psutil.Process] = []
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            procs.append(psutil.Process(pid))
    if marker:
        for proc in psutil.process_iter(["pid", "cmdline"]):
            with contextlib.suppress(psutil.Error):
                if proc.pid != os.getpid() and marker in " ".join(proc.info["cmdline"] or []):
                    procs.append(proc)
    alive = [p for p in procs if _running(p)]
    for proc in alive:
        with contextlib.suppress(psutil.Error):
            proc.terminate()
    _, still = psutil.wait_procs(alive, timeout=grace_s)
    for proc in still:
        with contextlib.suppress(psutil.Error):
            proc.kill()
    psutil.wait_procs(still, timeout=2)
    return [p.pid for p in alive]


def _running(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False
