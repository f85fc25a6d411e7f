"""The generation service's HTTP API on the Serve proxy (documented in docs/generation.md).

POST {route_prefix} with a `GenerateRequest` as JSON.
- `"stream": false` answers one JSON object, a `GenerateResponse`.
- `"stream": true` answers NDJSON (`application/x-ndjson`): `{"delta": "..."}` lines as tokens are decoded,
  then one final line `{"done": true, ...usage}` (a `StreamEnd`), or `{"done": true, "error": "<type>"}`.
GET {route_prefix} answers the replica's model info (a cheap readiness probe through the proxy).

Error bodies name the error type and the failing field paths, never the values (they are transcript text).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

NDJSON = "application/x-ndjson"


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    role: Literal["system", "user", "assistant"]
    content: str = Field(max_length=32_000)


class GenerateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    messages: list[ChatMessage] = Field(min_length=1, max_length=64)
    max_new_tokens: int = Field(default=80, ge=1, le=1024)
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    seed: int | None = None
    stream: bool = False
    request_id: str | None = Field(default=None, max_length=64)
    # Leading messages that many requests share word for word (a system message): the engine may keep their
    # computed state and prefill only what follows. Always fewer than the messages.
    cached_prefix: int = Field(default=0, ge=0, le=63)

    @model_validator(mode="after")
    def _prefix_leaves_a_message(self) -> GenerateRequest:
        if self.cached_prefix >= len(self.messages):
            raise ValueError("cached_prefix must leave at least one message after it")
        return self


class Usage(BaseModel):
    model: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: Literal["stop", "length"]
    # Measured in the replica from the request's arrival (queueing for a batch included).
    ttft_ms: float | None
    latency_ms: float


class GenerateResponse(Usage):
    text: str


class StreamEnd(Usage):
    done: Literal[True] = True


def describe_validation_error(exc: ValidationError) -> list[dict[str, object]]:
    """Field paths and error types only: `str(exc)` would echo the offending input."""
    return [{"loc": list(err.get("loc", ())), "type": err.get("type", "")} for err in exc.errors()]
