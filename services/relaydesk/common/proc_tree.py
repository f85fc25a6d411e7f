"""Ending processes politely, then firmly: SIGTERM, a grace period, SIGKILL for what is left. Shared by the local
stack's supervisor, its reaper and the generation server (which ends Ray's daemons)."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

import psutil


def terminate_then_kill(procs: Sequence[psutil.Process], grace_s: float = 5.0) -> list[int]:
    """Terminate `procs`, wait up to `grace_s`, kill the ones still running; returns the pids it ended."""
    procs = list(procs)
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            proc.terminate()
    _, alive = psutil.wait_procs(procs, timeout=grace_s)
    for proc in alive:
        with contextlib.suppress(psutil.Error):
            proc.kill()
    psutil.wait_procs(alive, timeout=2)
    return [p.pid for p in procs]
