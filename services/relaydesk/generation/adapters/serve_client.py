"""The generation stage's client for the Serve application: HTTP with NDJSON streaming, and deadlines.

Connect and per-read timeouts live here (a read waits at most `read_timeout_s` for the next line, which
covers queueing, prefill and each token gap); the overall deadline is the core's. Every failure surfaces as
`GenerationUnavailable` or `GenerationRejected`, which the core turns into a fallback answer.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import httpx

from relaydesk.common import metrics
from relaydesk.generation.ports import (
    GenerationChunk,
    GenerationRejected,
    GenerationRequest,
    GenerationUnavailable,
    as_messages,
)


def endpoint_url(url: str, route_prefix: str = "/generate") -> str:
    """A base URL (`http://host:port`, as `serve-generation` prints it) gets the route prefix appended; a URL
    with a path is used as it is."""
    if urlsplit(url).path in ("", "/"):
        return url.rstrip("/") + "/" + route_prefix.strip("/")
    return url


def request_payload(request: GenerationRequest, stream: bool) -> dict[str, Any]:
    return {
        "messages": as_messages(request.messages),
        "max_new_tokens": request.max_new_tokens,
        "temperature": request.temperature,
        "stream": stream,
        "request_id": request.request_id,
        "cached_prefix": request.cached_prefix,
    }


class ServeHttpGenerator:
    def __init__(
        self,
        url: str,
        route_prefix: str = "/generate",
        connect_timeout_s: float = 1.0,
        read_timeout_s: float = 5.0,
        max_connections: int = 64,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.url = endpoint_url(url, route_prefix)
        timeout = httpx.Timeout(read_timeout_s, connect=connect_timeout_s)
        self._client = client or httpx.AsyncClient(
            timeout=timeout,
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
        )

    async def stream(self, request: GenerationRequest) -> AsyncIterator[GenerationChunk]:
        metrics.GENERATION_QUEUE_DEPTH.inc()
        started = time.perf_counter()
        first = True
        try:
            async for chunk in self._stream(request):
                if first and chunk.delta:
                    metrics.GENERATION_TTFT.observe(time.perf_counter() - started)
                    first = False
                yield chunk
        finally:
            metrics.GENERATION_QUEUE_DEPTH.dec()

    async def _stream(self, request: GenerationRequest) -> AsyncIterator[GenerationChunk]:
        try:
            async with self._client.stream("POST", self.url, json=request_payload(request, True)) as resp:
                if resp.status_code != 200:
                    await resp.aread()
                    cls = GenerationRejected if 400 <= resp.status_code < 500 else GenerationUnavailable
                    raise cls(f"generation service answered {resp.status_code}")
                async for line in resp.aiter_lines():
                    if not line.strip():
                        continue
                    item = json.loads(line)
                    if "error" in item:
                        raise GenerationUnavailable(f"generation failed in the replica: {item['error']}")
                    if item.get("done"):
                        yield GenerationChunk(
                            done=True,
                            model=item.get("model"),
                            prompt_tokens=int(item.get("prompt_tokens", 0)),
                            completion_tokens=int(item.get("completion_tokens", 0)),
                            finish_reason=item.get("finish_reason"),
                        )
                        return
                    yield GenerationChunk(delta=str(item.get("delta", "")))
        except httpx.HTTPError as exc:
            raise GenerationUnavailable(f"generation service unreachable: {type(exc).__name__}") from exc
        raise GenerationUnavailable("generation stream ended without its final line")

    async def info(self) -> dict[str, Any]:
        try:
            resp = await self._client.get(self.url)
        except httpx.HTTPError as exc:
            raise GenerationUnavailable(f"generation service unreachable: {type(exc).__name__}") from exc
        if resp.status_code != 200:
            raise GenerationUnavailable(f"generation service answered {resp.status_code}")
        return dict(resp.json())

    async def aclose(self) -> None:
        await self._client.aclose()
