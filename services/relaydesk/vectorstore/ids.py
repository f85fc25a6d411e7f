"""Backend point ids. Qdrant accepts only integers and UUIDs, so a caller's string key becomes a UUIDv5 of
(tenant, key): two tenants using the same key never address the same point."""

from __future__ import annotations

import uuid

_NAMESPACE = uuid.UUID("6f1c3a52-8d0e-4b7a-9c55-2e4d1f0a7b31")


def point_uuid(tenant_id: str, key: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{tenant_id}\x1f{key}"))
