"""Wires the compliance stage: the shared PII redactor, the built-in claim policy and tenant policies."""

from __future__ import annotations

import logging
import time

from relaydesk.compliance.config import ComplianceSettings
from relaydesk.compliance.core import ComplianceDeps, default_policy
from relaydesk.compliance.pii import get_redactor
from relaydesk.compliance.pii.port import PiiRedactor
from relaydesk.compliance.tenants import TenantPolicies

log = logging.getLogger(__name__)


def build_deps(settings: ComplianceSettings | None = None, redactor: PiiRedactor | None = None) -> ComplianceDeps:
    """Production wiring. Pass `redactor` to share one (spaCy loaded once) with the guard in one process."""
    settings = settings or ComplianceSettings()
    started = time.perf_counter()
    if redactor is None:
        redactor = get_redactor(settings.ner_entities)
    deps = ComplianceDeps(redactor=redactor, tenants=TenantPolicies(default_policy(settings)), settings=settings)
    log.info("compliance stage ready", extra={"seconds": round(time.perf_counter() - started, 2)})
    return deps
