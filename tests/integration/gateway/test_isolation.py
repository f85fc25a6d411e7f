"""Tenant isolation probes (issue 10): every route the gateway has, tried with another tenant's key, no key, a
rotated (old) key and malformed keys. Routes are enumerated from the app, so routes added later are probed too;
a route that needs a body gets a generic one.

What must hold: without a valid credential, a route answers 401/403/404, except operations pages and the
console's static shell, which carry no tenant data; with another tenant's key, nothing of the first tenant's
data (its reply text, its persona, its conversation) comes back, whatever the status; no 5xx anywhere.
"""

from __future__ import annotations

import itertools
import re
import time

import httpx
import pytest

from gateway_helpers import ADMIN, GatewayFactory, Publisher, RunningGateway, auth, reply_event
from relaydesk.common.topics import Topics

SECRET_REPLY = "zq-acme-reply-7731"
SECRET_PERSONA = "zq-acme-persona-5519"
CONVERSATION = "conv-acme-zq"
# Pages that carry no tenant data and need no credential.
OPERATIONS = {"/healthz", "/readyz", "/metrics", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}
STATIC_TYPES = ("text/html", "text/css", "text/javascript", "application/javascript")


STREAMING: set[tuple[str, str]] = set()  # routes that answer with an event stream, which never ends by itself


def _routes(gateway: RunningGateway) -> list[tuple[str, str]]:
    """(method, path) of every route, through included routers (FastAPI resolves those lazily) and mounts."""
    out: set[tuple[str, str]] = set()

    def walk(routes: list, prefix: str) -> None:
        for route in routes:
            included = getattr(route, "original_router", None)
            if included is not None:
                walk(included.routes, prefix + route.include_context.prefix)
            elif getattr(route, "methods", None):
                found = {(m, prefix + route.path) for m in route.methods - {"HEAD", "OPTIONS"}}
                out.update(found)
                if "EventSource" in str(getattr(route, "response_class", "")):
                    STREAMING.update(found)
            elif hasattr(route, "app") and hasattr(route, "path"):  # a mount (static files)
                out.add(("GET", prefix + route.path + "/{path}"))

    walk(gateway.app.routes, "")
    return sorted(out)


def _fill(path: str) -> str:
    """A valid value for every path parameter: the first tenant's names, so a leak would show."""
    def value(match: re.Match[str]) -> str:
        name = match.group(1).split(":")[0]
        if "tenant" in name:
            return "acme"
        if name in ("name", "filename", "file", "path", "asset"):
            return "console.js"
        return CONVERSATION
    return re.sub(r"\{([^}]+)\}", value, path)


def _probe(client: httpx.Client, method: str, path: str, headers: dict[str, str]) -> tuple[int, str, str]:
    """Status, content type and (the start of) the body. Event streams are read for a moment only; other
    routes get all the time a loaded machine needs."""
    body = {} if method in ("POST", "PUT", "PATCH") else None
    chunks: list[bytes] = []
    timeout = httpx.Timeout(60.0, read=2.0 if (method, path) in STREAMING else 60.0)
    try:
        with client.stream(method, _fill(path), params={"wait": 0}, headers=headers, json=body,
                           timeout=timeout) as resp:
            try:
                for chunk in resp.iter_bytes():
                    chunks.append(chunk)
                    if sum(map(len, chunks)) > 256_000:
                        break
            except httpx.ReadTimeout:
                pass  # a stream that stays open: what it sent so far is what a prober gets
            return resp.status_code, resp.headers.get("content-type", ""), b"".join(chunks).decode("utf-8", "replace")
    except httpx.ReadTimeout:
        return 0, "", "(no answer within the read timeout)"


def _prober(gateway: RunningGateway) -> httpx.Client:
    return httpx.Client(base_url=gateway.url)


@pytest.fixture
def seeded(gateways: GatewayFactory, kafka) -> tuple[GatewayFactory, RunningGateway, str]:
    """A gateway with acme's data in it (a reply and a persona), and acme's old key after a rotation."""
    gateway = gateways.start()
    acme = gateways.api_keys["acme"]
    Publisher(kafka).send(Topics.REPLIES, reply_event("acme", CONVERSATION, "t1", SECRET_REPLY))
    with gateway.client() as client:
        assert client.put("/v1/tenant/config", json={"persona": SECRET_PERSONA}, headers=auth(acme)).status_code == 202
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            reply = client.get(f"/v1/conversations/{CONVERSATION}/replies", params={"wait": 1}, headers=auth(acme))
            config = client.get("/v1/tenant/config", headers=auth(acme)).json()["config"]
            if SECRET_REPLY in reply.text and config and config["persona"] == SECRET_PERSONA:
                break
        else:
            pytest.fail("acme's data never reached the gateway")
    old_key = acme
    gateways.api_keys["acme"] = gateways.store.rotate("acme")
    return gateways, gateway, old_key


def _leaks(text: str) -> list[str]:
    return [s for s in (SECRET_REPLY, SECRET_PERSONA, CONVERSATION) if s in text]


def test_when_every_route_probed_without_a_valid_credential_then_refused(seeded) -> None:
    gateways, gateway, old_key = seeded
    probes = {
        "no key": {},
        "rotated key": auth(old_key),
        "bare scheme": {"Authorization": "Bearer"},
        "basic scheme": {"Authorization": "Basic YWNtZTphY21l"},
        "garbage key": {"Authorization": "Bearer rdk_acme_%%%not-a-key"},
        "key without scheme": {"Authorization": gateways.api_keys["acme"]},
        "oversized key": auth("rdk_acme_" + "x" * 8000),
    }
    routes = _routes(gateway)
    assert len(routes) >= 10, routes
    problems = []
    with _prober(gateway) as client:
        for (method, path), (name, headers) in itertools.product(routes, probes.items()):
            status, ctype, text = _probe(client, method, path, headers)
            public = path in OPERATIONS or (method == "GET" and ctype.startswith(STATIC_TYPES))
            if status >= 500 or _leaks(text) or (status not in (401, 403, 404) and not public):
                problems.append(f"{method} {path} with {name}: {status} {ctype} {_leaks(text)}")
    assert not problems, "\n".join(problems)


def test_when_every_route_probed_with_another_tenants_key_then_none_of_its_data(seeded) -> None:
    gateways, gateway, _ = seeded
    globex = auth(gateways.api_keys["globex"])
    problems = []
    with _prober(gateway) as client:
        for method, path in _routes(gateway):
            status, ctype, text = _probe(client, method, path, globex)
            if status == 0 or status >= 500 or _leaks(text):
                problems.append(f"{method} {path}: {status} {ctype} {_leaks(text)}")
            if path.startswith("/v1/admin") and status not in (401, 403):
                problems.append(f"{method} {path}: a tenant key reached an admin route ({status})")
    assert not problems, "\n".join(problems)
    # and acme itself (with its new key) still sees its own data: the probes above could not pass by emptiness
    with gateway.client() as client:
        mine = client.get(f"/v1/conversations/{CONVERSATION}/replies", params={"wait": 0},
                          headers=auth(gateways.api_keys["acme"]))
        assert SECRET_REPLY in mine.text


def test_when_metrics_scraped_then_tenant_ids_only_with_an_operator_credential(seeded) -> None:
    gateways, gateway, _ = seeded
    with gateway.client() as client:
        assert client.post("/v1/messages", json={"text": "hello"}, headers=auth(gateways.api_keys["acme"])).status_code == 202
        for headers in ({}, auth(gateways.api_keys["acme"]), auth("wrong")):
            public = client.get("/metrics", headers=headers)
            assert public.status_code == 200 and "relaydesk_gateway_messages_total" in public.text
            assert not re.search(r'tenant(_id)?="', public.text), "a tenant label on public /metrics"
        full = client.get("/metrics", headers=auth(ADMIN))
        assert 'tenant="acme"' in full.text
