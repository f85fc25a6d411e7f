"""`relaydesk bench idle [--seconds 30] [--json]`: CPU the local stack uses when no traffic flows.

Attaches to the stack running in `$RELAYDESK_HOME`, or starts one (`relaydesk up`, in a temporary home, on a
free port) and stops it afterwards. Once it is ready, waits for the knowledge worker's background dense
indexing of the demo knowledge to finish (`relaydesk_dense_backlog` at 0; a minute or two after a start), then
`--settle` seconds more, then reads each process's
CPU time (and its descendants': Ray's daemons belong to serve-generation) from /proc over `--seconds`, and
prints cores used per process and in all, with the threads each runs and its connections to the broker (one
per Kafka client). The whole machine's busy cores over the same window are printed beside them: on a shared
host that says how much else ran.

The default settle (`settle_default`) outlasts the work a stack still does after its last turn: QA scores each
conversation once it has been idle for `QaSettings.idle_timeout_s`, and every consumer that read those scores
keeps its short fetch wait for `KafkaSettings.idle_after_s` more. Sampled inside that tail, a stack that had
carried traffic read 0.217 to 0.251 cores; past it, 0.178, as a fresh one (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_CORES = 0.2
_SETTLE_MARGIN_S = 10.0


def settle_default() -> float:
    """Seconds after which a stack that just carried traffic has finished its delayed work (QA's idle scoring,
    then the consumers' switch back to their idle fetch wait), with a margin."""
    from relaydesk.common.settings import KafkaSettings
    from relaydesk.qa.config import QaSettings

    qa = QaSettings()
    return qa.idle_timeout_s + qa.close_grace_s + KafkaSettings().idle_after_s + _SETTLE_MARGIN_S


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seconds", type=float, default=30.0, help="sampling window (default 30)")
    parser.add_argument("--settle", type=float, default=None,
                        help="seconds to wait after ready and the dense backfill (default: QA's idle timeout, its "
                             "close grace and the consumers' idle switch, plus 10 s; 42 s with the defaults)")
    parser.add_argument("--backfill-timeout", type=float, default=600.0,
                        help="wait up to this long for the knowledge worker's dense backfill (0: do not wait)")
    parser.add_argument("--start", action="store_true", help="always start a fresh stack in a temporary home")
    parser.add_argument("--startup-timeout", type=float, default=600.0)
    parser.add_argument("--json", action="store_true", help="last line: one JSON object")


def _running_state() -> object | None:
    from relaydesk.stack.state import load_state

    try:
        state = load_state()
    except Exception:
        return None
    try:
        os.kill(state.pid, 0)
    except (ProcessLookupError, PermissionError):
        return None
    return state


def _start_stack(home: Path, timeout_s: float) -> subprocess.Popen[bytes]:
    from relaydesk.common.ports import free_port
    from relaydesk.common.settings import relaydesk_cache_dir

    # The converted generation model is shared with the usual home's cache: no conversion on every run.
    env = {**os.environ, "RELAYDESK_HOME": str(home), "RELAYDESK_CACHE_DIR": str(relaydesk_cache_dir())}
    proc = subprocess.Popen(
        [sys.executable, "-m", "relaydesk.cli.main", "up", "--home", str(home), "--port", str(free_port())],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, start_new_session=True,
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"relaydesk up exited ({proc.wait()}) before it was ready; see {home}/logs")
        if line.startswith(b"{"):
            return proc
    proc.send_signal(signal.SIGINT)
    raise RuntimeError(f"relaydesk up not ready within {timeout_s:.0f} s")


def _stop_stack(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=90)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def run(args: argparse.Namespace) -> int:
    from relaydesk.bench.backfill import wait_for_dense_backlog
    from relaydesk.bench.idle import sample_idle
    from relaydesk.stack.state import load_state

    started: subprocess.Popen[bytes] | None = None
    tmp: tempfile.TemporaryDirectory[str] | None = None
    state = None if args.start else _running_state()
    settle = settle_default() if args.settle is None else args.settle
    try:
        if state is None:
            tmp = tempfile.TemporaryDirectory(prefix="relaydesk-idle-")
            home = Path(tmp.name)
            print(f"starting a stack in {home}", file=sys.stderr, flush=True)
            started = _start_stack(home, args.startup_timeout)
            state = load_state(home)
        backfill = wait_for_dense_backlog(state.endpoints, args.backfill_timeout)  # type: ignore[attr-defined]
        print(f"settling {settle:.0f} s, then sampling {args.seconds:.0f} s", file=sys.stderr, flush=True)
        time.sleep(settle)
        roots = {"up": state.pid, **{n: int(p) for n, p in state.services.items() if p}}  # type: ignore[attr-defined]
        port = int(str(state.broker).rsplit(":", 1)[1])  # type: ignore[attr-defined]
        sample = sample_idle(roots, args.seconds, outer="up", broker_port=port)
    finally:
        if started is not None:
            _stop_stack(started)
        if tmp is not None:
            tmp.cleanup()
    rows = sorted(sample.per_process.items(), key=lambda kv: -kv[1])
    report = {
        "seconds": round(sample.seconds, 1),
        "total_cores": round(sample.total, 3),
        "target_cores": TARGET_CORES,
        "target_met": sample.total < TARGET_CORES,
        "per_process_cores": dict(rows),
        "threads": sample.threads,
        "broker_connections": sample.broker_connections,
        "machine_busy_cores": sample.machine_busy_cores,
        "cores": os.cpu_count(),
        "dense_backlog": backfill,
        "settle_s": settle,
        "settings": {k: v for k, v in sorted(os.environ.items()) if k.startswith("RELAYDESK_KAFKA_")},
    }
    if not args.json:
        for name, cores in rows:
            conns = sample.broker_connections.get(name, "-")
            print(f"  {name:28s} {cores:7.3f} cores  {sample.threads[name]:4d} threads  {conns} broker conns")
        print(f"  {'total':28s} {sample.total:7.3f} cores (target < {TARGET_CORES}); "
              f"whole machine busy: {sample.machine_busy_cores} of {os.cpu_count()} cores")
    print(json.dumps(report))
    return 0
