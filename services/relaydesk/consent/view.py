"""A live, thread-safe view of the consent ledger, rebuilt from the compacted topic on every start.

Fed record by record (a broadcast consumer's thread); read by request handlers and the dialer. A record that
does not read taints what it may have been about (its key names tenant and number hash), so that number is not
callable until the ledger says otherwise; nothing is ever allowed because data was unreadable.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from relaydesk.common import serde
from relaydesk.consent.events import entry_from_event
from relaydesk.consent.ledger import Entry, Ledger, NumberView, entry_json
from relaydesk.consent.numbers import parse_e164, phone_hash
from relaydesk.events import utcnow
from relaydesk.events.consent import ConsentEvent

PRUNE_EVERY = 5000  # records between prunes of superseded entries


def revocation_evidence(view: NumberView) -> dict[str, Any] | None:
    """Rule 2: a revocation at or after the latest consent grant (shared with the pre-dial policy)."""
    revocation = view.latest_revocation
    if revocation is None:
        return None
    latest = view.latest_consent
    if latest is not None and latest.when > revocation.when:
        return None
    return {"revocation": revocation, "latest_consent": latest}


def reachability(phone: str, view: NumberView) -> tuple[bool, str | None]:
    """Whether any campaign of the tenant may contact the number at all, else the rule that says no."""
    if parse_e164(phone) is None:
        return False, "invalid_number"
    if view.unreadable:
        return False, "unreadable_data"
    if revocation_evidence(view) is not None:
        return False, "consent_revoked"
    if view.internal_dnc is not None:
        return False, "internal_dnc"
    return True, None


class ConsentView:
    def __init__(self, now: Callable[[], datetime] = utcnow) -> None:
        self._ledger = Ledger()
        self._lock = threading.Lock()
        self._now = now
        self._since_prune = 0
        self.records = 0
        self.unreadable = 0
        self._listeners: list[Callable[[Entry], None]] = []

    def on_entry(self, listener: Callable[[Entry], None]) -> None:
        self._listeners.append(listener)

    # -- feeding ---------------------------------------------------------------------------------------------
    def apply(self, event: ConsentEvent) -> bool:
        entry = entry_from_event(event)
        with self._lock:
            added = self._ledger.add(entry)
            self.records += 1
            self._since_prune += 1
            if self._since_prune >= PRUNE_EVERY:
                self._ledger.prune(self._now())
                self._since_prune = 0
        if added:
            for listener in self._listeners:
                listener(entry)
        return added

    def apply_record(self, key: bytes | None, value: bytes | None) -> None:
        if not value:
            return  # a tombstone: compaction removed a superseded record
        try:
            event = serde.deserialize(value, ConsentEvent)
        except serde.EventError:
            self.unreadable += 1
            tenant, hashed = _scope_of_key(key)
            with self._lock:
                self._ledger.taint(tenant, hashed)
            raise
        self.apply(event)

    # -- reading ---------------------------------------------------------------------------------------------
    def view(self, tenant: str, hashed: str, at: datetime) -> NumberView:
        with self._lock:
            return self._ledger.view(tenant, hashed, at)

    def contacts(self, tenant: str) -> list[Entry]:
        with self._lock:
            return self._ledger.contacts(tenant)

    def campaign_contacts(self, tenant: str, campaign_id: str) -> list[Entry]:
        with self._lock:
            return self._ledger.campaign_contacts(tenant, campaign_id)

    def show(self, tenant: str, phone: str, at: datetime | None = None) -> dict[str, Any]:
        """`{"callable", "rule", "events"}` for `consent show` and `GET /v1/consent/{phone}`."""
        moment = at or self._now()
        hashed = phone_hash(tenant, phone)
        with self._lock:
            view = self._ledger.view(tenant, hashed, moment)
            entries = self._ledger.entries(tenant, hashed)
        ok, rule = reachability(phone, view)
        return {"callable": ok, "rule": rule, "events": [entry_json(e) for e in entries]}


def _scope_of_key(key: bytes | None) -> tuple[str | None, str | None]:
    parts = (key or b"").decode("utf-8", "replace").split(":")
    tenant = parts[0] if parts and parts[0] else None
    hashed = parts[1] if len(parts) > 1 and len(parts[1]) == 32 else None
    return tenant, hashed
