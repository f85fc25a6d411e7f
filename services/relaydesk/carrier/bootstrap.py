from __future__ import annotations

from relaydesk.carrier.config import CarrierSettings
from relaydesk.carrier.core import CarrierDeps


def build_deps(settings: CarrierSettings | None = None) -> CarrierDeps:
    return CarrierDeps(settings=settings or CarrierSettings())
