"""What a drill needs to know about the running local stack: each service's pid (from the state file, which
the supervisor rewrites after a restart), its readiness URL, and waiting until a killed service is back."""

from __future__ import annotations

import contextlib
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from relaydesk.stack.layout import hosts_of
from relaydesk.stack.state import StackState, load_state


class DrillError(RuntimeError):
    pass


def service_name(stage: str, running: Iterable[str] = ()) -> str:
    """`intent` -> `worker-intent`, or the process that hosts it where the stack runs that instead; `gateway` and
    `serve-generation` stay as they are."""
    if stage in ("gateway", "serve-generation"):
        return stage
    running = set(running)
    own = f"worker-{stage}"
    if own in running:
        return own
    # Stages that share a process in some layouts (stack/layout.py): guard, intent and emotion in
    # `worker-guard-nlu`, conversations, assist and QA in `worker-desk`, and so on.
    return next((host for host in hosts_of(stage) if host in running), own)


def readiness_url(state: StackState, service: str) -> str:
    if service == "gateway":
        return f"{state.gateway_url}/readyz"
    if service == "serve-generation":
        return f"{state.endpoints['serve']}/generate"  # answers GET once a replica has loaded the model
    try:
        return f"{state.endpoints[service]}/readyz"
    except KeyError:
        raise DrillError(f"the stack has no service {service!r}; it has {sorted(state.endpoints)}") from None


def ready(url: str, timeout_s: float = 2.0) -> bool:
    with contextlib.suppress(OSError, urllib.error.URLError), urllib.request.urlopen(url, timeout=timeout_s) as resp:
        return bool(resp.status == 200)
    return False


@dataclass
class Comeback:
    service: str
    pid_before: int
    pid_after: int | None = None
    killed_at: float = 0.0
    restarted_s: float | None = None  # a new process exists (the supervisor started it)
    ready_s: float | None = None  # and answers its readiness probe

    def as_json(self) -> dict[str, object]:
        return {
            "pid_before": self.pid_before,
            "pid_after": self.pid_after,
            "restarted_s": None if self.restarted_s is None else round(self.restarted_s, 2),
            "ready_s": None if self.ready_s is None else round(self.ready_s, 2),
            "back": self.ready_s is not None,
        }


def current_pid(home: Path | None, service: str) -> int:
    return int(load_state(home).services.get(service, 0))


def wait_back(comebacks: list[Comeback], home: Path | None, urls: dict[str, str], deadline: float) -> None:
    """Poll until the supervisor has started a new process for each service and it is ready (all at once, so
    each service's times are its own)."""
    pending = list(comebacks)
    while pending and time.monotonic() < deadline:
        for comeback in list(pending):
            now = time.monotonic()
            if comeback.restarted_s is None:
                with contextlib.suppress(Exception):
                    pid = current_pid(home, comeback.service)
                    if pid and pid != comeback.pid_before:
                        comeback.pid_after = pid
                        comeback.restarted_s = now - comeback.killed_at
            if comeback.restarted_s is not None and ready(urls[comeback.service]):
                comeback.ready_s = time.monotonic() - comeback.killed_at
                pending.remove(comeback)
        time.sleep(0.2)
