"""`relaydesk up`: start the whole local stack on loopback (broker, Ray Serve, processors, gateway)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--home", type=Path, default=None, help="state dir (default $RELAYDESK_HOME or ~/.relaydesk)")
    parser.add_argument("--port", type=int, default=8080, help="gateway port on 127.0.0.1")
    parser.add_argument("--partitions", type=int, default=2, help="partitions per topic")
    parser.add_argument("--demo", action="store_true", help="play a short scripted conversation once ready")


def run(args: argparse.Namespace) -> int:
    from relaydesk.common.logs import setup_logging
    from relaydesk.common.settings import relaydesk_home
    from relaydesk.stack.up import run_up

    setup_logging("warning")
    home = (args.home or relaydesk_home()).expanduser().resolve()
    os.environ["RELAYDESK_HOME"] = str(home)
    return run_up(home, args.port, args.partitions, args.demo)
