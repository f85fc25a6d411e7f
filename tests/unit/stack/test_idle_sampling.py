"""`relaydesk bench idle`'s counting: CPU of a process tree from /proc, a busy child against a sleeping one,
and the supervisor counted without the trees below it."""

from __future__ import annotations

import subprocess
import sys

from relaydesk.bench.idle import cpu_ticks, descendants, sample_idle


def test_when_one_child_spins_and_one_sleeps_then_only_the_spinner_uses_cores() -> None:
    # Each says when its interpreter is up, so start-up CPU falls before the window.
    spin = subprocess.Popen([sys.executable, "-c", "print(1, flush=True)\nwhile True: pass"], stdout=subprocess.PIPE)
    nap = subprocess.Popen([sys.executable, "-c", "import time; print(1, flush=True); time.sleep(30)"],
                           stdout=subprocess.PIPE)
    try:
        assert spin.stdout is not None and nap.stdout is not None
        spin.stdout.readline()
        nap.stdout.readline()
        sample = sample_idle({"spin": spin.pid, "nap": nap.pid}, 0.4)
    finally:
        spin.kill()
        nap.kill()
        spin.wait()
        nap.wait()
    assert sample.per_process["spin"] > 0.2  # a shared 2-core host may give it less than a whole core
    assert sample.per_process["nap"] < 0.05
    assert sample.total == sample.per_process["spin"] + sample.per_process["nap"]


def test_when_the_outer_root_holds_the_others_then_they_are_not_counted_twice() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        import os

        trees = descendants({"me": os.getpid(), "child": child.pid})
        assert child.pid in trees["me"] and trees["child"] == {child.pid}
        sample = sample_idle({"me": os.getpid(), "child": child.pid}, 0.05, outer="me")
        assert set(sample.per_process) == {"me", "child"}
    finally:
        child.kill()
        child.wait()
    assert cpu_ticks(child.pid) is None  # reaped: gone from /proc
