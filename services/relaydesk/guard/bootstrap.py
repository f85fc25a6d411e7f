"""Wires the guard: the shared PII redactor, the prompt-injection detector (trained or loaded from cache on
first use) and per-tenant raw retention."""

from __future__ import annotations

import logging
import time

from relaydesk.compliance.claims import builtin_policy
from relaydesk.compliance.injection import InjectionDetector
from relaydesk.compliance.injection.model import FEATURE_VERSION, load_or_train
from relaydesk.compliance.pii import get_redactor
from relaydesk.compliance.pii.port import PiiRedactor
from relaydesk.guard.config import GuardSettings
from relaydesk.guard.core import GuardDeps, InjectionScorer
from relaydesk.guard.tenants import RawRetention, RawRetentionPolicies

log = logging.getLogger(__name__)


def build_deps(
    settings: GuardSettings | None = None,
    redactor: PiiRedactor | None = None,
    injection: InjectionScorer | None = None,
) -> GuardDeps:
    """Production wiring. Pass `redactor` / `injection` to share loaded models within one process."""
    settings = settings or GuardSettings()
    started = time.perf_counter()
    redactor = redactor or get_redactor(settings.ner_entities)
    if injection is None:
        model = None if settings.rules_only else load_or_train(settings.model_cache_dir)
        injection = InjectionDetector(model)
    detector_version = "rules" if settings.rules_only else FEATURE_VERSION
    deps = GuardDeps(
        redactor=redactor,
        injection=injection,
        retention=RawRetentionPolicies(RawRetention(settings.retain_raw, settings.raw_retention_ms)),
        policy_version=f"{builtin_policy().version}/{detector_version}",
    )
    log.info("guard stage ready", extra={"seconds": round(time.perf_counter() - started, 2)})
    return deps
