"""Wires the dialer: the consent view (rebuilt from the ledger topic) and the campaign registry."""

from __future__ import annotations

from datetime import timedelta

from relaydesk.campaigns.config import CampaignsSettings
from relaydesk.campaigns.core import DialerDeps
from relaydesk.consent.view import ConsentView


def build_deps(settings: CampaignsSettings | None = None, consent: ConsentView | None = None) -> DialerDeps:
    settings = settings or CampaignsSettings()
    return DialerDeps(ledger=consent or ConsentView(), recheck_after=timedelta(seconds=settings.recheck_after_s))
