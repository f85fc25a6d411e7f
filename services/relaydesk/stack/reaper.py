"""The local stack's reaper: a small process that outlives `relaydesk up` only to clean up after it.

The parent-death signal takes care of the stack's direct children, but not of what they fork: Ray's dashboard
and runtime-env agents survive a SIGKILLed driver (reparented to init, their command lines renamed by
setproctitle, so nothing identifies them afterwards). The reaper remembers every descendant of `relaydesk up`
while the tree is intact (pid and start time, so a reused pid is never hit) and, once its parent is gone,
terminates those still running, then kills what ignores SIGTERM. A normal stop ends it with SIGTERM first.

Run as `python -m relaydesk.stack.reaper --parent PID [--state-file PATH]`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import time
from pathlib import Path
from types import FrameType

import psutil

from relaydesk.common.proc_tree import terminate_then_kill

Seen = dict[int, float]  # pid -> create_time


def remember(parent: int, seen: Seen) -> None:
    """Add every live descendant of `parent` (but not this process) to `seen`."""
    with contextlib.suppress(psutil.Error):
        for proc in psutil.Process(parent).children(recursive=True):
            if proc.pid == os.getpid():
                continue
            with contextlib.suppress(psutil.Error):
                seen.setdefault(proc.pid, proc.create_time())


def still_running(seen: Seen) -> list[psutil.Process]:
    """The remembered processes that are still the same processes and still running."""
    out: list[psutil.Process] = []
    for pid, created in seen.items():
        with contextlib.suppress(psutil.Error):
            proc = psutil.Process(pid)
            if proc.create_time() == created and proc.status() != psutil.STATUS_ZOMBIE:
                out.append(proc)
    return out


def reap(seen: Seen, grace_s: float = 5.0) -> list[int]:
    return terminate_then_kill(still_running(seen), grace_s)


def clear_stale_state(state_file: Path | None, parent: int) -> None:
    """Remove the stack's state file if it still names the dead parent, so CLI commands stop using it."""
    if state_file is None:
        return
    with contextlib.suppress(OSError, ValueError):
        if json.loads(state_file.read_text()).get("pid") == parent:
            state_file.unlink()


def next_scan_s(stable_scans: int, fast_s: float = 0.5, slow_s: float = 5.0, settle_scans: int = 20) -> float:
    """Seconds until the next scan of the tree: `fast_s` while the stack starts (the tree changed within the
    last `settle_scans` scans), `slow_s` once it has settled. Each scan walks every process's /proc entry
    (0.01 of a core at 0.5 s on an idle stack); a change (a restarted worker, a new Ray worker) makes it fast
    again. A process forked less than `slow_s` before its ancestors die can be missed: the parent-death
    signal still ends the stack's direct children."""
    return slow_s if stable_scans >= settle_scans else fast_s


def watch(parent: int, state_file: Path | None, interval_s: float = 0.5) -> int:
    seen: Seen = {}
    stable = 0
    next_scan = 0.0
    while os.getppid() == parent:
        now = time.monotonic()
        if now >= next_scan:
            before = len(seen)
            remember(parent, seen)
            stable = stable + 1 if len(seen) == before else 0
            next_scan = now + next_scan_s(stable, fast_s=interval_s)
        time.sleep(interval_s)  # the parent's death is noticed within this, whatever the scan pace
    reaped = reap(seen)
    clear_stale_state(state_file, parent)
    print(f"[relaydesk reaper] relaydesk up (pid {parent}) died; reaped {len(reaped)} processes", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="relaydesk-reaper")
    parser.add_argument("--parent", type=int, required=True)
    parser.add_argument("--state-file", type=Path, default=None)
    args = parser.parse_args(argv)

    def stop(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(0)  # a normal stop: `relaydesk up` has cleaned up itself

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for `relaydesk up`
    if os.getppid() != args.parent:
        return 0
    return watch(args.parent, args.state_file)


if __name__ == "__main__":
    sys.exit(main())
