"""API keys are stored hashed, survive a reload, and a re-added tenant keeps its key."""

from __future__ import annotations

import json
from pathlib import Path

from relaydesk.gateway.auth import KeyStore, check_admin, hash_key


def test_when_tenant_added_then_only_the_hash_is_stored(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys.json")
    key = store.add("acme")
    assert key is not None and key.startswith("rdk_acme_")
    raw = (tmp_path / "keys.json").read_text()
    assert key not in raw and hash_key(key) in raw
    assert (tmp_path / "keys.json").stat().st_mode & 0o777 == 0o600


def test_when_key_presented_then_tenant_resolved_and_wrong_key_rejected(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys.json")
    key = store.add("acme") or ""
    other = KeyStore(tmp_path / "keys.json")  # another gateway replica reading the same file
    assert other.tenant_for(key) == "acme"
    assert other.tenant_for(key + "x") is None


def test_when_tenant_added_again_then_none_and_original_key_still_works(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys.json")
    key = store.add("acme") or ""
    assert store.add("acme") is None
    assert store.tenant_for(key) == "acme"


def test_when_file_changes_on_disk_then_reloaded(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    store = KeyStore(path)
    assert store.tenant_for("k1") is None
    path.write_text(json.dumps({"tenants": {"zeta": {"key_sha256": hash_key("k1")}}}))
    assert store.tenant_for("k1") == "zeta"


def test_when_admin_key_compared_then_exact_match_only() -> None:
    assert check_admin("s3cret", "s3cret")
    assert not check_admin("s3cret", None)
    assert not check_admin("s3cre", "s3cret")


def test_when_key_rotated_then_only_the_new_key_works(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys.json")
    old = store.add("acme") or ""
    new = store.rotate("acme")
    assert new != old and store.tenant_for(new) == "acme" and store.tenant_for(old) is None
    assert store.tenants() == ["acme"]
