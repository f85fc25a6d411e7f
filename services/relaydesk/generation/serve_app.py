"""The Ray Serve application for generation: batched, streamed decoding behind the Serve HTTP proxy.

`build_app(args)` is the application builder for `serve run`, a Serve config file or a RayService
(`import_path: relaydesk.generation.serve_app:build_app`). `args` takes any `GenerationSettings` field plus
Serve's own shapes: `num_replicas`, `autoscaling_config` {min_replicas, max_replicas,
target_ongoing_requests}, `ray_actor_options` {num_cpus, num_gpus, ...}, `max_ongoing_requests`,
`max_batch_size`, `batch_wait_timeout_s`. The route prefix belongs to the application, not the deployment:
pass `route_prefix` to `serve.run` or set it in the config file (default `/generate`).

`GenerationServer` is the plain class the deployment wraps. The bench instantiates it in-process to measure
the same model and batching without Serve. Create at most one per process: `@serve.batch` keeps one queue
per decorated method.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
import time
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pydantic import ValidationError
from ray import serve
from ray.serve.config import AutoscalingConfig
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from relaydesk.generation.batcher import LocalStreamBatcher
from relaydesk.generation.config import GenerationSettings
from relaydesk.generation.ct2_engine import Ct2Engine
from relaydesk.generation.engine import EngineRequest, PromptTooLong, StepOutput
from relaydesk.generation.engine_choice import build_engine, build_scheduler
from relaydesk.generation.protocol import (
    NDJSON,
    GenerateRequest,
    GenerateResponse,
    StreamEnd,
    describe_validation_error,
)

log = logging.getLogger(__name__)

DEPLOYMENT_NAME = "GenerationServer"
# Batches @serve.batch may have in flight at once. Through the proxy, requests arrive spread out and
# batches are often of one or two; a low limit would then cap the running rows far below max_running_rows.
# The scheduler merges them all into one running batch, so the limit is only a bound. (Fixed here because
# @serve.batch takes it at decoration time; Serve warns when it exceeds max_ongoing_requests / batch size.)
CONCURRENT_BATCHES = 16


class GenerationServer:
    def __init__(self, settings: Mapping[str, Any] | None = None) -> None:
        # Replicas must never reach a model hub, whatever the node's environment says.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        if os.environ.get("RELAYDESK_SERVE_LOOPBACK") == "1":  # a local stack (local_serve.start_ray sets it)
            from relaydesk.generation.local_serve import loopback_worker_setup

            loopback_worker_setup()  # before Serve opens this replica's own gRPC port, right after __init__
        self.settings = GenerationSettings(**dict(settings or {}))
        self.engine = build_engine(self.settings)
        loaded = self.engine.loaded
        # One decode thread: the model is driven from a single thread, and a stalled step is visible.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="decode")
        self._last_progress = time.monotonic()
        self._batches = 0
        self._largest_batch = 0
        self._scheduler = build_scheduler(self.engine, self.settings, self._executor, self._on_step)
        # Inside a replica Serve batches; anywhere else (the bench's direct baseline) a local batcher with the
        # same semantics does.
        self._batcher: Any = (
            self._serve_batch if _in_replica()  # type: ignore[misc]
            else LocalStreamBatcher(self._run_batch, max_concurrent_batches=CONCURRENT_BATCHES)
        )
        self.reconfigure(
            {"max_batch_size": self.settings.max_batch_size,
             "batch_wait_timeout_s": self.settings.batch_wait_timeout_s}
        )
        log.info("generation replica ready",
                 extra={"model": loaded.model_id, "engine": self.engine.name, "device": loaded.device,
                        "load_s": round(loaded.load_s, 2)})

    # --- Serve hooks ----------------------------------------------------------------------------------

    def reconfigure(self, config: Mapping[str, Any]) -> None:
        """Serve's user_config: batching can be retuned on live replicas without a restart."""
        if "max_batch_size" in config:
            self._batcher.set_max_batch_size(int(config["max_batch_size"]))
        if "batch_wait_timeout_s" in config:
            self._batcher.set_batch_wait_timeout_s(float(config["batch_wait_timeout_s"]))

    def check_health(self) -> None:
        if self._scheduler.busy_since is None:
            return
        stalled = time.monotonic() - max(self._last_progress, self._scheduler.busy_since)
        if stalled > self.settings.stall_timeout_s:
            raise RuntimeError(f"decoding has made no progress for {stalled:.0f} s")

    def info(self) -> dict[str, Any]:
        loaded = self.engine.loaded
        return {
            "model": loaded.model_id,
            "engine": self.engine.name,
            "device": loaded.device,
            "dtype": loaded.dtype,
            "load_s": round(loaded.load_s, 3),
            "max_batch_size": self._batcher._get_max_batch_size(),
            "batch_wait_timeout_s": self._batcher._get_batch_wait_timeout_s(),
            "batching": "local" if isinstance(self._batcher, LocalStreamBatcher) else "serve",
            "batches": self._batches,
            "largest_batch": self._largest_batch,
            "running_rows": self._scheduler.running_rows,
            **({"ct2_batching": self._scheduler.batching, "ct2_parallel_rows": self._scheduler.slots,
                "ct2_solo_threads": self.settings.solo_threads(),
                "ct2_prefixes": {lane: p.info() for lane, p in self.engine.prefixes.items()}}
               if isinstance(self.engine, Ct2Engine) else {}),
            "pid": os.getpid(),
        }

    # --- HTTP -----------------------------------------------------------------------------------------

    async def __call__(self, request: Request) -> Response:
        if request.method == "GET":
            return JSONResponse(self.info())
        try:
            body = await request.json()
        except ValueError:
            return JSONResponse({"error": "invalid_json"}, status_code=400)
        try:
            gen, engine_request = self._prepare(body)
        except ValidationError as exc:
            return JSONResponse({"error": "invalid_request", "fields": describe_validation_error(exc)}, 422)
        except PromptTooLong:
            return JSONResponse({"error": "prompt_too_long"}, status_code=413)
        if gen.stream:
            return StreamingResponse(self._ndjson(engine_request), media_type=NDJSON)
        return JSONResponse((await self._complete(engine_request)).model_dump())

    async def _ndjson(self, engine_request: EngineRequest) -> AsyncIterator[bytes]:
        import json

        async for item in self._events(engine_request):
            yield (json.dumps(item, ensure_ascii=False) + "\n").encode("utf-8")

    # --- handle API (DeploymentHandle.options(stream=True).stream.remote(payload)) --------------------

    async def stream(self, payload: Mapping[str, Any]) -> AsyncGenerator[dict[str, Any], None]:
        _, engine_request = self._prepare(payload)
        events = self._events(engine_request)
        try:
            async for item in events:
                yield item
        finally:
            await events.aclose()  # the caller left: its row's cancel is set now

    async def complete(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        _, engine_request = self._prepare(payload)
        return (await self._complete(engine_request)).model_dump()

    # --- internals ------------------------------------------------------------------------------------

    def _prepare(self, payload: Any) -> tuple[GenerateRequest, EngineRequest]:
        gen = GenerateRequest.model_validate(payload)
        messages = [m.model_dump() for m in gen.messages]
        request = self.engine.request(messages, gen.max_new_tokens, gen.temperature, gen.seed,
                                      cached_prefix=gen.cached_prefix)
        return gen, dataclasses.replace(request, cancel=threading.Event())

    async def _events(self, engine_request: EngineRequest) -> AsyncGenerator[dict[str, Any], None]:
        """`{"delta": ...}` items, then one `StreamEnd` item (or `{"done": true, "error": ...}`)."""
        arrived = time.perf_counter()
        first: float | None = None
        last: StepOutput | None = None
        try:
            async for out in self._decode(engine_request):
                last = out
                if out.delta:
                    if first is None:
                        first = time.perf_counter()
                    yield {"delta": out.delta}
        except Exception as exc:  # the stream has started: report in-band, the status line is sent
            log.error("generation failed", extra={"error_type": type(exc).__name__})
            yield {"done": True, "error": type(exc).__name__}
            return
        finally:
            if (last is None or not last.finished) and engine_request.cancel is not None:
                engine_request.cancel.set()  # the caller left (or it failed): stop decoding its row
        yield StreamEnd(**self._usage(engine_request, last, arrived, first)).model_dump()

    async def _complete(self, engine_request: EngineRequest) -> GenerateResponse:
        arrived = time.perf_counter()
        first: float | None = None
        last: StepOutput | None = None
        parts: list[str] = []
        try:
            async for out in self._decode(engine_request):
                last = out
                if out.delta:
                    first = first or time.perf_counter()
                    parts.append(out.delta)
        finally:
            if (last is None or not last.finished) and engine_request.cancel is not None:
                engine_request.cancel.set()
        return GenerateResponse(text="".join(parts), **self._usage(engine_request, last, arrived, first))

    def _usage(
        self, req: EngineRequest, last: StepOutput | None, arrived: float, first: float | None
    ) -> dict[str, Any]:
        now = time.perf_counter()
        return {
            "model": self.engine.model_id,
            "prompt_tokens": len(req.prompt_ids),
            "completion_tokens": last.completion_tokens if last else 0,
            "finish_reason": (last.finish_reason if last and last.finish_reason else "stop"),
            "ttft_ms": None if first is None else (first - arrived) * 1000.0,
            "latency_ms": (now - arrived) * 1000.0,
        }

    def _decode(self, request: EngineRequest) -> AsyncIterator[StepOutput]:
        if isinstance(self._batcher, LocalStreamBatcher):
            return self._batcher.submit(request)
        return self._batcher(request)

    @serve.batch(max_batch_size=8, batch_wait_timeout_s=0.01, max_concurrent_batches=CONCURRENT_BATCHES)  # type: ignore[arg-type]
    async def _serve_batch(self, requests: list[EngineRequest]) -> AsyncIterator[list[Any]]:  # type: ignore[misc]
        async for step in self._run_batch(requests):
            yield step

    async def _run_batch(self, requests: list[EngineRequest]) -> AsyncIterator[list[Any]]:
        """A batch from the batcher joins the running batch at the next step (continuous batching); each
        step hands every caller its row (StopIteration once that row has ended, which is how
        `@serve.batch` ends one caller's stream)."""
        self._batches += 1
        async for step in self._scheduler.stream(requests):
            yield step

    def _on_step(self) -> None:
        self._last_progress = time.monotonic()
        self._largest_batch = max(self._largest_batch, self._scheduler.running_rows)


def _in_replica() -> bool:
    try:
        serve.get_replica_context()
    except Exception:  # RayServeException outside a replica; any failure means "not in one"
        return False
    return True


GenerationDeployment = serve.deployment(name=DEPLOYMENT_NAME)(GenerationServer)


def settings_from_args(args: Mapping[str, Any] | None) -> tuple[GenerationSettings, dict[str, Any]]:
    """(settings, extra ray_actor_options) from a builder's args. Unknown keys are an error: a typo in a
    Serve config must not silently fall back to a default."""
    flat = dict(args or {})
    actor = dict(flat.pop("ray_actor_options", None) or {})
    autoscaling = flat.pop("autoscaling_config", None)
    overrides: dict[str, Any] = {}
    if "num_cpus" in actor:
        overrides["replica_num_cpus"] = actor.pop("num_cpus")
    if "num_gpus" in actor:
        overrides["replica_num_gpus"] = actor.pop("num_gpus")
    if autoscaling:
        cfg = AutoscalingConfig(**autoscaling)
        overrides["autoscaling_min_replicas"] = cfg.min_replicas
        overrides["autoscaling_max_replicas"] = cfg.max_replicas
        overrides["autoscaling_target_ongoing_requests"] = cfg.target_ongoing_requests
    unknown = set(flat) - set(GenerationSettings.model_fields)
    if unknown:
        raise ValueError(f"unknown generation app args: {sorted(unknown)}")
    overrides.update(flat)
    return GenerationSettings(**overrides), actor


def deployment_options(settings: GenerationSettings, extra_actor_options: Mapping[str, Any]) -> dict[str, Any]:
    options: dict[str, Any] = {
        "ray_actor_options": {
            "num_cpus": settings.replica_num_cpus,
            "num_gpus": settings.replica_num_gpus,
            **extra_actor_options,
        },
        "max_ongoing_requests": max(settings.max_ongoing_requests, settings.max_batch_size),
        "max_queued_requests": settings.max_queued_requests,
        "health_check_period_s": settings.health_check_period_s,
        "health_check_timeout_s": settings.health_check_timeout_s,
        "user_config": {
            "max_batch_size": settings.max_batch_size,
            "batch_wait_timeout_s": settings.batch_wait_timeout_s,
        },
        # In-flight generations finish (or hit the client's deadline) before a replica is stopped.
        "graceful_shutdown_timeout_s": settings.request_timeout_s,
    }
    autoscaling = settings.autoscaling()
    if autoscaling is not None:
        options["autoscaling_config"] = autoscaling
    else:
        options["num_replicas"] = settings.num_replicas
    return options


def build_app(args: dict[str, Any]) -> serve.Application:
    settings, extra_actor = settings_from_args(args)
    replica_settings = settings.model_dump(mode="json", exclude_none=True)
    deployment = GenerationDeployment.options(**deployment_options(settings, extra_actor))
    return deployment.bind(replica_settings)
