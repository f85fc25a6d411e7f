"""The consent ledger: one `consent.event` per fact about a (tenant, number), on a compacted topic.

Keyed by tenant and a keyed hash of the number (`relaydesk.consent.numbers.phone_hash`); the raw number travels
only on contact records, which the dialler needs. Facts: contact records, consent grants (written, scope),
revocations (explicit, or a customer turn that revokes), internal do-not-call entries, national-registry
snapshots and listings, and past attempts with their outcomes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import Field

from relaydesk.events.envelope import Envelope

ConsentKind = Literal[
    "contact", "consent", "revocation", "internal_dnc", "registry_snapshot", "registry_listing", "attempt"
]
ConsentSource = Literal["api", "import", "guard", "campaigns", "carrier"]
AttemptOutcome = Literal["answered", "no_answer", "busy", "voicemail", "abandoned", "failed"]
PHONE_HASH_PATTERN = r"^[0-9a-f]{32}$"
E164 = r"^\+[1-9][0-9]{6,14}$"


class ConsentEvent(Envelope):
    """`consent.event` v1: one ledger entry."""

    EVENT_TYPE: ClassVar[str] = "consent.event"
    EVENT_VERSION: ClassVar[int] = 1
    SCHEMA: ClassVar[str] = "consent/consent_event.v1.json"

    event_type: Literal["consent.event"] = "consent.event"
    event_version: Literal[1] = 1
    kind: ConsentKind
    at: datetime
    phone_hash: str | None = Field(default=None, pattern=PHONE_HASH_PATTERN)
    phone: str | None = Field(default=None, max_length=32)  # contact records only
    region: str | None = Field(default=None, max_length=8)
    tz: str | None = Field(default=None, max_length=64)
    written: bool = False
    scope: list[str] = Field(default_factory=list, max_length=16)
    campaign_id: str | None = Field(default=None, max_length=64)
    attempt_id: str | None = Field(default=None, max_length=64)
    outcome: AttemptOutcome | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)
    source: ConsentSource = "api"
    detail: str | None = Field(default=None, max_length=64)  # e.g. the revocation pattern that matched

    def key(self) -> bytes:
        """Partition and compaction key: tenant and number hash, then the entry's slot, so compaction keeps
        every consent, revocation and attempt and only the latest contact record / DNC entry / listing."""
        slot = self.kind if self.kind in ("contact", "internal_dnc", "registry_listing") else self.event_id
        if self.kind == "contact" and self.campaign_id:
            slot = f"contact:{self.campaign_id}"
        return f"{self.tenant_id}:{self.phone_hash or 'registry'}:{slot}".encode()
