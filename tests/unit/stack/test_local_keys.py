"""The local stack's tenants keep their API keys across restarts of the same home."""

from __future__ import annotations

from pathlib import Path

from relaydesk.gateway.auth import KeyStore
from relaydesk.stack.state import load_local_keys, local_keys_path
from relaydesk.stack.up import ensure_local_tenant


def restart(home: Path) -> KeyStore:
    """What a new `relaydesk up` in the same home sees: the keys file as the last run left it."""
    return KeyStore(home / "gateway-keys.json")


def test_when_stack_restarts_then_the_tenant_keeps_its_key(tmp_path: Path) -> None:
    first = ensure_local_tenant(restart(tmp_path), "demo", tmp_path)
    second = ensure_local_tenant(restart(tmp_path), "demo", tmp_path)
    assert second == first
    assert restart(tmp_path).tenant_for(first) == "demo"
    assert load_local_keys(tmp_path) == {"demo": first}
    assert local_keys_path(tmp_path).stat().st_mode & 0o777 == 0o600


def test_when_the_local_key_is_lost_then_the_tenant_gets_a_new_one(tmp_path: Path) -> None:
    first = ensure_local_tenant(restart(tmp_path), "demo", tmp_path)
    local_keys_path(tmp_path).unlink()  # e.g. a home left by a version that kept keys only while running
    second = ensure_local_tenant(restart(tmp_path), "demo", tmp_path)
    keys = restart(tmp_path)
    assert second != first and keys.tenant_for(second) == "demo" and keys.tenant_for(first) is None
    assert load_local_keys(tmp_path) == {"demo": second}


def test_when_other_tenants_known_then_each_keeps_its_own(tmp_path: Path) -> None:
    demo = ensure_local_tenant(restart(tmp_path), "demo", tmp_path)
    acme = ensure_local_tenant(restart(tmp_path), "acme", tmp_path)
    assert load_local_keys(tmp_path) == {"demo": demo, "acme": acme}
    assert ensure_local_tenant(restart(tmp_path), "demo", tmp_path) == demo
