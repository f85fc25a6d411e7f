"""`relaydesk serve-generation`: a local Ray (no dashboard), Serve's HTTP proxy on loopback, and the generation
application. Prints the base URL (and writes it to --ready-file) once the application answers through the
proxy; on SIGTERM or SIGINT it shuts Serve and Ray down, leaving no Ray process behind."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path
from types import FrameType
from typing import Any


class _Shutdown(BaseException):
    """Raised from the signal handler so that a wait anywhere (Ray start, deploy, serving) unwinds to the
    clean-up below."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="proxy bind address (default loopback)")
    parser.add_argument("--port", type=int, default=8000, help="proxy port; 0 picks a free one")
    parser.add_argument("--num-cpus", type=int, default=None, help="CPUs for the local Ray (default: all)")
    parser.add_argument("--replicas", type=int, default=None, help="replica count (default from settings)")
    parser.add_argument("--replica-cpus", type=float, default=None, help="num_cpus per replica")
    parser.add_argument("--max-batch-size", type=int, default=None, help="@serve.batch max_batch_size")
    parser.add_argument("--ready-file", type=Path, default=None, help="write the base URL here when ready")
    parser.add_argument("--object-store-mb", type=int, default=256, help="Ray object store size")
    parser.add_argument("--startup-timeout", type=float, default=300.0, help="seconds to wait for readiness")


def app_args(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if args.replicas is not None:
        out["num_replicas"] = args.replicas
    if args.replica_cpus is not None:
        out["ray_actor_options"] = {"num_cpus": args.replica_cpus}
    if args.max_batch_size is not None:
        out["max_batch_size"] = args.max_batch_size
    return out


def write_ready_file(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text + "\n")
    os.replace(tmp, path)


def _raise_shutdown(signum: int, frame: FrameType | None) -> None:
    raise _Shutdown(signum)


def run(args: argparse.Namespace) -> int:
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, _raise_shutdown)
    deadline = time.monotonic() + args.startup_timeout
    started = False
    try:
        from relaydesk.common.ports import free_port
        from relaydesk.generation import local_serve

        port = args.port or free_port(args.host)
        print(f"starting Ray ({args.num_cpus or os.cpu_count()} CPUs)", file=sys.stderr, flush=True)
        local_serve.start_ray(args.num_cpus, args.object_store_mb)
        started = True
        for sig in (signal.SIGTERM, signal.SIGINT):  # ray.init installs its own SIGTERM handler
            signal.signal(sig, _raise_shutdown)
        print("deploying the generation application", file=sys.stderr, flush=True)
        base = local_serve.deploy(args.host, port, app_args(args), deadline)
        if args.ready_file is not None:
            write_ready_file(args.ready_file, base)
        print(base, flush=True)
        while True:
            time.sleep(3600)
    except _Shutdown:
        print("shutting down", file=sys.stderr, flush=True)
        return 0
    except TimeoutError as exc:
        print(f"serve-generation: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):  # a second signal must not cut the clean-up short
            signal.signal(sig, signal.SIG_IGN)
        if started:
            from relaydesk.generation import local_serve

            local_serve.stop()
        if args.ready_file is not None:
            args.ready_file.unlink(missing_ok=True)
