"""The model in this process, behind the same `TextGenerator` port as the Serve client: the bench's direct
baseline, and a single-process run without Ray."""

from __future__ import annotations

from collections.abc import AsyncIterator

from pydantic import ValidationError

from relaydesk.generation.adapters.serve_client import request_payload
from relaydesk.generation.engine import PromptTooLong
from relaydesk.generation.ports import GenerationChunk, GenerationRejected, GenerationRequest
from relaydesk.generation.serve_app import GenerationServer


class InProcessGenerator:
    def __init__(self, server: GenerationServer) -> None:
        self.server = server

    async def stream(self, request: GenerationRequest) -> AsyncIterator[GenerationChunk]:
        # Closed as soon as the caller stops reading, so the row's cancel is set then, not when collected.
        items = self.server.stream(request_payload(request, True))
        try:
            async for item in items:
                if "error" in item:
                    raise RuntimeError(f"generation failed: {item['error']}")
                if item.get("done"):
                    yield GenerationChunk(
                        done=True, model=item["model"], prompt_tokens=item["prompt_tokens"],
                        completion_tokens=item["completion_tokens"], finish_reason=item["finish_reason"],
                    )
                    return
                yield GenerationChunk(delta=item["delta"])
        except (ValidationError, PromptTooLong) as exc:
            raise GenerationRejected(type(exc).__name__) from exc
        finally:
            await items.aclose()
