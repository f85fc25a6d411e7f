"""When `relaydesk up` is killed with SIGKILL, nothing it started lives on: its children get the parent-death
signal, and the reaper ends what they forked (as Ray's agents outlive their driver). Real processes, no broker:
a stand-in parent starts the reaper and a child the way the stack does, the child forks a detached grandchild,
and the test kills the parent with SIGKILL. It takes a second or two."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil

from polling import wait_until

PARENT = textwrap.dedent(
    """
    import json, os, subprocess, sys, time
    from relaydesk.stack.processes import die_with_parent

    state = sys.argv[1]
    reaper = subprocess.Popen([sys.executable, "-m", "relaydesk.stack.reaper", "--parent", str(os.getpid()),
                               "--state-file", state], start_new_session=True)
    # The child forks a grandchild in a session of its own, with no parent-death signal: like Ray's agents.
    child = subprocess.Popen(
        [sys.executable, "-c",
         "import subprocess, sys, time; subprocess.Popen(['sleep', '300'], start_new_session=True); time.sleep(300)"],
        start_new_session=True, preexec_fn=die_with_parent(),
    )
    with open(state, "w") as f:
        json.dump({"pid": os.getpid(), "child": child.pid, "reaper": reaper.pid}, f)
    time.sleep(300)
    """
)


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_when_the_parent_is_killed_then_child_grandchild_and_reaper_are_gone(tmp_path: Path) -> None:
    state = tmp_path / "stack.json"
    parent = subprocess.Popen([sys.executable, "-c", PARENT, str(state)], start_new_session=True)
    started: list[int] = [parent.pid]
    try:
        assert wait_until(lambda: state.exists() and state.stat().st_size > 0, 60)
        info = json.loads(state.read_text())
        child = psutil.Process(info["child"])
        assert wait_until(lambda: len(child.children()) == 1, 30)
        grandchild = child.children()[0].pid
        started += [info["child"], grandchild, info["reaper"]]
        time.sleep(2.0)  # the reaper polls the tree every 0.5 s; let it see the grandchild (slow on a loaded host)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(10)
        assert wait_until(lambda: not _alive(info["child"]), 15), "the child outlived its parent"
        assert wait_until(lambda: not _alive(grandchild), 30), "the grandchild was not reaped"
        assert wait_until(lambda: not _alive(info["reaper"]), 30), "the reaper did not exit"
        assert not state.exists()  # the stale state file names a dead stack, so the reaper removed it
    finally:
        for pid in started:  # only when the test failed: leave nothing of its own behind
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


ONLY_PDEATHSIG = textwrap.dedent(
    """
    import subprocess, sys, time
    from relaydesk.stack.processes import die_with_parent

    child = subprocess.Popen(["sleep", "300"], start_new_session=True, preexec_fn=die_with_parent())
    print(child.pid, flush=True)
    time.sleep(300)
    """
)


def test_when_the_parent_is_killed_then_a_child_with_the_parent_death_signal_dies_at_once() -> None:
    parent = subprocess.Popen([sys.executable, "-c", ONLY_PDEATHSIG], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    assert _alive(child)
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait(10)
    assert wait_until(lambda: not _alive(child), 10), "no reaper here: only the parent-death signal can end it"


def test_when_the_tree_stops_changing_then_the_reaper_scans_slower_and_a_change_makes_it_fast() -> None:
    from relaydesk.stack.reaper import next_scan_s

    assert next_scan_s(0) == 0.5  # starting: every half second
    assert next_scan_s(19) == 0.5
    assert next_scan_s(20) == 5.0  # 20 scans (10 s) without a new process
    assert next_scan_s(0, fast_s=0.2) == 0.2  # a change resets the count to 0: fast again
