"""Which engine a replica decodes with (`GenerationSettings.engine`), and the scheduler that drives it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from relaydesk.generation.config import GenerationSettings
from relaydesk.generation.ct2_engine import Ct2Engine, ct2_available, load_ct2_engine
from relaydesk.generation.engine import GenerationEngine
from relaydesk.generation.model_store import load_model, pick_device

log = logging.getLogger(__name__)


def choose_engine(settings: GenerationSettings) -> str:
    """"auto": CTranslate2 on the CPU when it is installed; transformers on a GPU (and without it)."""
    if settings.engine != "auto":
        return settings.engine
    return "ctranslate2" if _device(settings) == "cpu" and ct2_available() else "transformers"


def build_engine(settings: GenerationSettings) -> GenerationEngine | Ct2Engine:
    """The chosen engine. Under "auto", a CPU replica that cannot use CTranslate2 (not installed, or the
    conversion failed) decodes with transformers instead, and that is counted as a fallback."""
    auto_cpu = settings.engine == "auto" and _device(settings) == "cpu"
    if choose_engine(settings) == "ctranslate2":
        try:
            return load_ct2_engine(settings)
        except Exception as exc:
            if not auto_cpu:
                raise
            _count_fallback("ct2_load_failed", exc)
    elif auto_cpu:
        _count_fallback("ct2_not_installed", None)
    return GenerationEngine(load_model(settings), settings.max_context_tokens, settings.no_repeat_ngram_size)


def _device(settings: GenerationSettings) -> str:
    return settings.device if settings.device != "auto" else pick_device("auto")  # "auto" imports torch


def _count_fallback(kind: str, exc: Exception | None) -> None:
    from relaydesk.common.metrics import FALLBACKS

    FALLBACKS.labels(stage="generation", kind=f"engine_{kind}").inc()
    log.warning("CPU replica decodes with transformers instead of CTranslate2",
                extra={"reason": kind, "error_type": type(exc).__name__ if exc else None})


def build_scheduler(engine: GenerationEngine | Ct2Engine, settings: GenerationSettings, executor: Executor,
                    on_step: Callable[[], None]) -> Any:
    if isinstance(engine, Ct2Engine):
        from relaydesk.generation.ct2_scheduler import Ct2Scheduler

        return Ct2Scheduler(engine, settings.max_running_rows, settings.ct2_parallel_rows, settings.ct2_batching,
                            deadline_s=settings.request_timeout_s, on_step=on_step)
    from relaydesk.generation.scheduler import ContinuousScheduler

    return ContinuousScheduler(engine, executor, settings.max_running_rows, on_step)
