"""The running local stack's state file (`$RELAYDESK_HOME/stack.json`), so CLI commands find it by themselves,
and the local tenants' API keys (`$RELAYDESK_HOME/local-keys.json`), which outlive a stop: the gateway's keys
file keeps the tenants across restarts, so their keys must stay known too.

Both hold API keys in clear text, readable by the owner only (0600): this is a developer's laptop stack.
Production keeps only key hashes, in a Kubernetes Secret.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from relaydesk.common.private_file import write_private_json
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
    restarts: dict[str, int] = field(default_factory=dict)  # service name -> restarts by the supervisor
    internal_token: str = ""  # what the stack's own parts present to each other's internal endpoints


def state_path(home: Path | None = None) -> Path:
    return (home or relaydesk_home()) / "stack.json"


def save_state(state: StackState, home: Path | None = None) -> Path:
    path = state_path(home)
    write_private_json(path, asdict(state))
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


def local_keys_path(home: Path | None = None) -> Path:
    return (home or relaydesk_home()) / "local-keys.json"


def load_local_keys(home: Path | None = None) -> dict[str, str]:
    """tenant id -> API key, for the tenants this home's stack created."""
    try:
        return dict(json.loads(local_keys_path(home).read_text()))
    except FileNotFoundError:
        return {}


def remember_local_key(tenant_id: str, api_key: str, home: Path | None = None) -> None:
    write_private_json(local_keys_path(home), load_local_keys(home) | {tenant_id: api_key})
