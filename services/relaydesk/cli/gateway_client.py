"""A small synchronous client for the gateway, used by CLI commands (`chat`, `kb push`, `kb search`, ...).

It finds the gateway and the tenant's API key by itself: RELAYDESK_GATEWAY_URL / RELAYDESK_API_KEY when set,
else the local stack's state file. Only the standard library is imported, so commands start fast.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from typing import Any


class GatewayError(RuntimeError):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"gateway answered {status}: {message}")
        self.status = status


class GatewayClient:
    def __init__(self, base_url: str, api_key: str | None, timeout_s: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout_s = timeout_s

    @classmethod
    def for_tenant(cls, tenant: str, timeout_s: float = 30.0) -> GatewayClient:
        url = os.environ.get("RELAYDESK_GATEWAY_URL")
        key = os.environ.get("RELAYDESK_API_KEY")
        if url and key:
            return cls(url, key, timeout_s)
        from relaydesk.stack.state import load_state

        state = load_state()
        api_key = key or state.tenants.get(tenant)
        if not api_key:
            raise SystemExit(
                f"no API key for tenant {tenant!r} in the local stack: run `relaydesk tenant add {tenant}`"
            )
        return cls(url or state.gateway_url, api_key, timeout_s)

    @classmethod
    def admin(cls, timeout_s: float = 30.0) -> GatewayClient:
        url = os.environ.get("RELAYDESK_GATEWAY_URL")
        key = os.environ.get("RELAYDESK_ADMIN_KEY")
        if url and key:
            return cls(url, key, timeout_s)
        from relaydesk.stack.state import load_state

        state = load_state()
        return cls(url or state.gateway_url, key or state.admin_key, timeout_s)

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        params: dict[str, Any] | None = None,
        timeout_s: float | None = None,
    ) -> Any:
        url = self.base_url + path
        if params:
            url += "?" + urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
        data = None if body is None else json.dumps(body).encode("utf-8")
        req = urllib.request.Request(url, data=data, method=method)
        req.add_header("Accept", "application/json")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if self.api_key:
            req.add_header("Authorization", f"Bearer {self.api_key}")
        try:
            with urllib.request.urlopen(req, timeout=timeout_s or self.timeout_s) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")[:500]
            raise GatewayError(exc.code, detail) from None
        return json.loads(raw) if raw else None

    def get_json(self, path: str, params: dict[str, Any] | None = None, timeout_s: float | None = None) -> Any:
        return self.request("GET", path, params=params, timeout_s=timeout_s)

    def post_json(self, path: str, body: Any, timeout_s: float | None = None) -> Any:
        return self.request("POST", path, body=body, timeout_s=timeout_s)
