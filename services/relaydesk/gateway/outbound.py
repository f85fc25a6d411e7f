"""The gateway's outbound views: the consent ledger (for `GET /v1/consent/{phone}`) and the campaigns with their
figures (for `GET /v1/campaigns/{id}`), each rebuilt from its topics by a broadcast consumer on start."""

from __future__ import annotations

import threading
from typing import Any

from confluent_kafka import Message

from relaydesk.campaigns import core
from relaydesk.campaigns.core import CampaignState, DialerDeps
from relaydesk.common import serde
from relaydesk.common.settings import KafkaSettings
from relaydesk.common.topics import Topics
from relaydesk.common.two_speed import view_reader
from relaydesk.consent.view import ConsentView
from relaydesk.events.outbound import CampaignCommand, DialAllowed, DialBlocked, DialOutcome


class OutboundViews:
    def __init__(self, kafka: KafkaSettings) -> None:
        self.consent = ConsentView()
        self._lock = threading.Lock()
        self._campaigns = DialerDeps(ledger=self.consent)
        self.consumers = [
            view_reader(kafka, (Topics.CONSENT_LEDGER,), self._on_ledger, name="gateway-consent", fetch_wait_ms=250),
            view_reader(
                kafka, (Topics.CAMPAIGNS, Topics.DIAL_ALLOWED, Topics.DIAL_BLOCKED, Topics.DIAL_OUTCOMES),
                self._on_campaign_record, name="gateway-campaigns", fetch_wait_ms=250,
            ),
        ]

    def start(self) -> OutboundViews:
        for consumer in self.consumers:
            consumer.start()
        return self

    def _on_ledger(self, msg: Message) -> None:
        self.consent.apply_record(msg.key(), msg.value())

    def _on_campaign_record(self, msg: Message) -> None:
        if not msg.value():
            return
        event: Any = serde.deserialize(msg.value() or b"")
        with self._lock:
            if isinstance(event, CampaignCommand):
                core.apply_command(event, self._campaigns)
            elif isinstance(event, DialAllowed | DialBlocked | DialOutcome):
                core.apply_dial_event(event, self._campaigns)

    def campaign(self, tenant: str, campaign_id: str) -> CampaignState | None:
        with self._lock:
            return self._campaigns.campaigns.get((tenant, campaign_id))

    def campaign_status(self, tenant: str, campaign_id: str) -> dict[str, Any] | None:
        with self._lock:
            state = self._campaigns.campaigns.get((tenant, campaign_id))
            if state is None or state.stats is None:
                return None
            campaign = state.campaign
            contacts = len(self.consent.campaign_contacts(tenant, campaign_id))
            return {
                "campaign_id": campaign_id,
                "state": state.status,
                "purpose": campaign.purpose,
                "channel": campaign.channel,
                "ai_voice": campaign.ai_voice,
                "pacing": campaign.pacing,
                "agents": campaign.agents,
                "contacts": contacts,
                **state.stats.summary(self._campaigns.now(), campaign.agents),
            }
