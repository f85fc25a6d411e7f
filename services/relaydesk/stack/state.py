"""The running local stack's state file (`$RELAYDESK_HOME/stack.json`), so CLI commands find it by themselves.

It holds the gateway URL and the local tenants' API keys in clear text, readable by the owner only (0600):
this is a developer's laptop stack. Production keeps only key hashes, in a Kubernetes Secret.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from relaydesk.common.settings import relaydesk_home


class StackNotRunning(RuntimeError):
    pass


@dataclass
class StackState:
    gateway_url: str
    admin_key: str
    broker: str
    tenants: dict[str, str] = field(default_factory=dict)  # tenant id -> API key
    pid: int = 0
    home: str = ""
    services: dict[str, int] = field(default_factory=dict)  # service name -> pid
    endpoints: dict[str, str] = field(default_factory=dict)  # internal endpoints (serve, search, ...)


def state_path(home: Path | None = None) -> Path:
    return (home or relaydesk_home()) / "stack.json"


def save_state(state: StackState, home: Path | None = None) -> Path:
    path = state_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(asdict(state), fh, indent=2)
    os.replace(tmp, path)
    return path


def load_state(home: Path | None = None) -> StackState:
    path = state_path(home)
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise StackNotRunning(
            f"no local stack found ({path} is missing): start one with `relaydesk up`, "
            "or set RELAYDESK_GATEWAY_URL and RELAYDESK_API_KEY"
        ) from exc
    return StackState(**data)


def clear_state(home: Path | None = None) -> None:
    state_path(home).unlink(missing_ok=True)
