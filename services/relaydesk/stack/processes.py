"""Child processes of the local stack: each in its own session, logged to a file, and stopped so that nothing
is left behind (Ray's raylet and GCS included).

Each child also dies with its parent: the kernel sends it a signal when the thread that started it exits
(`prctl(PR_SET_PDEATHSIG)`, set between fork and exec), so even a `kill -9` of `relaydesk up` leaves no
Faust worker, gateway or broker running. What a child itself forks (Ray's daemons) is the reaper's job
(`stack/reaper.py`).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from relaydesk.common.proc_tree import terminate_then_kill

PR_SET_PDEATHSIG = 1
_LIBC = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)  # loaded before any fork


def die_with_parent(sig: int = signal.SIGKILL) -> Callable[[], None]:
    """A `preexec_fn` that makes the child get `sig` when its parent (the starting thread) goes away.

    It runs between fork and exec, so it only calls async-signal-safe things: prctl, getppid, kill. If the
    parent died before prctl took effect, the child is already orphaned and signals itself."""
    parent = os.getpid()

    def preexec() -> None:
        _LIBC.prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0)
        if os.getppid() != parent:
            os.kill(os.getpid(), sig)

    return preexec


@dataclass
class Child:
    name: str
    args: Sequence[str]
    env: dict[str, str]
    log_path: Path
    proc: subprocess.Popen[bytes] | None = None
    descendants: dict[int, float] = field(default_factory=dict)  # pid -> start time, so a reused pid is spared
    # SIGKILL for most; serve-generation gets SIGTERM, so it shuts its Ray down itself.
    parent_death_signal: int = signal.SIGKILL
    started_at: float = 0.0

    def start(self) -> Child:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "relaydesk.cli.main", *self.args],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=self.env,
            start_new_session=True,
            preexec_fn=die_with_parent(self.parent_death_signal),
        )
        log.close()
        self.started_at = time.monotonic()
        return self

    def restart(self) -> Child:
        """Start it again, with the same arguments and environment (ports included), after it died. Its old
        descendants are killed first: Ray's daemons outlive a SIGKILLed driver and would hold its ports."""
        if self.alive():
            raise RuntimeError(f"{self.name} is still running")
        if self.proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=1)
        kill_stragglers(self.descendants)
        self.descendants = {}
        with self.log_path.open("ab") as log:
            log.write(f"\n[relaydesk] --- restarted after exit code {self.exit_code()} ---\n".encode())
        return self.start()

    @property
    def pid(self) -> int:
        return self.proc.pid if self.proc else 0

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def exit_code(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    def remember_descendants(self) -> None:
        """Ray daemonises parts of itself; remember every descendant while the tree is still intact."""
        if not self.alive():
            return
        with contextlib.suppress(psutil.Error):
            for proc in psutil.Process(self.pid).children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    self.descendants.setdefault(proc.pid, proc.create_time())

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return ""


def remember_all(children: Sequence[Child]) -> None:
    """`remember_descendants` for every child from one scan of the process table (a scan per child, several
    times a second, was a noticeable load on a 2-core machine)."""
    kids: dict[int, list[tuple[int, float]]] = {}
    for proc in psutil.process_iter(["ppid", "create_time"]):
        with contextlib.suppress(psutil.Error):
            kids.setdefault(proc.info["ppid"], []).append((proc.pid, proc.info["create_time"]))
    for child in children:
        if not child.alive():
            continue
        stack = [child.pid]
        while stack:
            for pid, created in kids.get(stack.pop(), ()):
                if pid not in child.descendants:
                    child.descendants[pid] = created
                    stack.append(pid)


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
    killed.extend(kill_stragglers({pid: t for c in children for pid, t in c.descendants.items()}))
    return killed


def kill_stragglers(
    pids: set[int] | dict[int, float], marker: str | None = None, grace_s: float = 5.0
) -> list[int]:
    """Terminate remembered descendants still running, and any process whose command line holds `marker`.
    Given start times (pid -> create_time), a pid now used by another process is left alone."""
    procs: list[psutil.Process] = []
    started = pids if isinstance(pids, dict) else {}
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            proc = psutil.Process(pid)
            if pid not in started or proc.create_time() == started[pid]:
                procs.append(proc)
    if marker:
        for proc in psutil.process_iter(["pid", "cmdline"]):
            with contextlib.suppress(psutil.Error):
                if proc.pid != os.getpid() and marker in " ".join(proc.info["cmdline"] or []):
                    procs.append(proc)
    return terminate_then_kill([p for p in procs if _running(p)], grace_s)


def _running(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False
