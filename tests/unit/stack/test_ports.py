"""Ports handed to child processes come from below the kernel's ephemeral range and above `ray start`'s worker
ports (10002-19999), so no outgoing connection, `bind(0)` or Ray worker can take one before the child binds it."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from relaydesk.common import ports
from relaydesk.common.ports import free_port


def ephemeral_low() -> int:
    return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])


def test_when_ports_chosen_then_below_ephemeral_range_and_bindable() -> None:
    if ephemeral_low() < 21_000:
        pytest.skip("this host's ephemeral range leaves no room below it")
    chosen = {free_port() for _ in range(50)}
    assert all(20_000 <= p < ephemeral_low() for p in chosen), chosen
    for port in chosen:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", port))


def test_when_candidate_is_in_use_then_next_candidate_returned(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        spare = free_port()
        candidates = iter([taken, spare])

        class Scripted:
            def randrange(self, start: int, stop: int) -> int:
                return next(candidates)

        monkeypatch.setattr(ports.random, "SystemRandom", Scripted)
        monkeypatch.setattr(ports, "_ephemeral_low", lambda: 65_000)  # so the busy ephemeral port is a candidate
        assert free_port() == spare
