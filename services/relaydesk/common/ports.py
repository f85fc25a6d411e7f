"""Free TCP ports for the processes the local stack and the tests start."""

from __future__ import annotations

import random
import socket
from pathlib import Path

_EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
# Below this: well-known and commonly configured services, and the ports `ray start` gives its worker processes
# by default (10002-19999: a node the chart's KubeRay starts; the local stack's `ray.init` takes ephemeral ones).
_LOWEST = 20_000


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on, chosen below the kernel's ephemeral range.

    The port goes to another process, which binds it later. An ephemeral port can be handed out by the kernel
    in between: every outgoing connection and every `bind(0)` (Ray's agents start many) takes one, and one
    of them took a Serve proxy's port that way. A port below the ephemeral range (and above `ray start`'s worker
    ports) is only ever taken by a process that asks for that very number.
    """
    low = _ephemeral_low()
    if low - _LOWEST >= 1000:
        rng = random.SystemRandom()
        for _ in range(200):
            port = rng.randrange(_LOWEST, low)
            if _bindable(host, port):
                return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:  # a host with an unusual port range
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _ephemeral_low() -> int:
    try:
        return int(_EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default


def _bindable(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True
