"""API keys: tenants authenticate with a bearer key; only its SHA-256 is stored, in a file the gateway re-reads
when it changes (a Kubernetes Secret mount in production, `$RELAYDESK_HOME/gateway-keys.json` locally)."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from relaydesk.common.private_file import write_private_json


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_api_key(tenant_id: str) -> str:
    return f"rdk_{tenant_id}_{secrets.token_urlsafe(24)}"


class KeyStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._mtime: float = -1.0
        self._by_hash: dict[str, str] = {}
        self._tenants: dict[str, dict[str, Any]] = {}

    def _load_if_changed(self) -> None:
        try:
            mtime = self.path.stat().st_mtime
        except FileNotFoundError:
            self._by_hash, self._tenants, self._mtime = {}, {}, -1.0
            return
        if mtime == self._mtime:
            return
        data = json.loads(self.path.read_text() or "{}")
        tenants = data.get("tenants", {})
        self._tenants = tenants
        self._by_hash = {info["key_sha256"]: tenant for tenant, info in tenants.items()}
        self._mtime = mtime

    def tenant_for(self, api_key: str) -> str | None:
        digest = hash_key(api_key)
        with self._lock:
            self._load_if_changed()
            for known, tenant in self._by_hash.items():
                if hmac.compare_digest(known, digest):
                    return tenant
        return None

    def exists(self, tenant_id: str) -> bool:
        with self._lock:
            self._load_if_changed()
            return tenant_id in self._tenants

    def tenants(self) -> list[str]:
        with self._lock:
            self._load_if_changed()
            return sorted(self._tenants)

    def add(self, tenant_id: str) -> str | None:
        """Create a tenant and return its new key, or None if it exists (keys are shown once)."""
        with self._lock:
            self._load_if_changed()
            if tenant_id in self._tenants:
                return None
            key = new_api_key(tenant_id)
            self._tenants[tenant_id] = {"key_sha256": hash_key(key), "created_at": datetime.now(UTC).isoformat()}
            self._write()
            return key

    def rotate(self, tenant_id: str) -> str:
        """Give an existing tenant a new key; the old one stops working at once."""
        with self._lock:
            self._load_if_changed()
            if tenant_id not in self._tenants:
                raise KeyError(tenant_id)
            key = new_api_key(tenant_id)
            info = self._tenants[tenant_id]
            info |= {"key_sha256": hash_key(key), "rotated_at": datetime.now(UTC).isoformat()}
            self._write()
            return key

    def _write(self) -> None:
        write_private_json(self.path, {"tenants": self._tenants})
        self._load_forced()

    def _load_forced(self) -> None:
        self._mtime = -1.0
        self._load_if_changed()


def check_admin(presented: str, expected: str | None) -> bool:
    return bool(expected) and hmac.compare_digest(presented.encode(), (expected or "").encode())
