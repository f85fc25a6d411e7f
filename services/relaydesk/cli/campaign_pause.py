"""`relaydesk campaign pause ID`."""

from __future__ import annotations

import argparse

from relaydesk.cli.campaign_control import add_arguments, call

__all__ = ["add_arguments", "run"]


def run(args: argparse.Namespace) -> int:
    return call(args, "POST", "/pause")
