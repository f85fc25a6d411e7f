"""`relaydesk campaign status ID`: attempts, allowed, blocked by rule, connects, abandons, the 30-day
abandonment rate and agent utilisation."""

from __future__ import annotations

import argparse

from relaydesk.cli.campaign_control import add_arguments, call

__all__ = ["add_arguments", "run"]


def run(args: argparse.Namespace) -> int:
    return call(args, "GET", "")
