"""The consent ledger's state, folded from its entries, and what it says about one number at one moment.

Entries come from ledger lines (`relaydesk campaign check`) or from `consent.event` records on the compacted
topic; both become `Entry` values first. State is keyed by (tenant, keyed hash of the number): a view only ever
reads one tenant's entries, and only those at or before the moment asked about (an entry without `at` always
applies). Data that cannot be read taints what it might have been about, and a tainted number is never callable.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from relaydesk.consent.numbers import phone_hash
from relaydesk.consent.revocation import detect_revocation

KINDS = (
    "contact",
    "consent",
    "revocation",
    "message",
    "internal_dnc",
    "registry_snapshot",
    "registry_listing",
    "attempt",
)
OUTCOMES = ("answered", "no_answer", "busy", "voicemail", "abandoned", "failed")
PER_NUMBER = ("contact", "consent", "revocation", "internal_dnc", "registry_listing", "attempt")
# How far back any rule looks at attempts (uk_ofcom's 72 h); older attempts can be dropped from memory.
ATTEMPT_HORIZON = timedelta(hours=72)
MAX_CONSENTS_KEPT = 32
MIN_TIME = datetime(1970, 1, 1, tzinfo=UTC)


class LedgerLineError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Entry:
    kind: str
    tenant: str
    phone_hash: str | None = None
    at: datetime | None = None
    phone: str | None = None  # contact records only: the dialler needs it
    region: str | None = None
    tz: str | None = None
    written: bool = False
    scope: frozenset[str] = frozenset()
    campaign_id: str | None = None
    outcome: str | None = None
    attributes: Mapping[str, str] = field(default_factory=dict)
    source: str = "ledger"
    detail: str | None = None  # e.g. the revocation pattern that matched a message
    event_id: str | None = None

    @property
    def when(self) -> datetime:
        return self.at or MIN_TIME

    def applies_at(self, moment: datetime) -> bool:
        return self.at is None or self.at <= moment


def parse_time(value: Any, path: str) -> datetime:
    if not isinstance(value, str):
        raise LedgerLineError([f"{path}: must be an ISO 8601 string"])
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise LedgerLineError([f"{path}: not ISO 8601"]) from None
    if parsed.tzinfo is None:
        raise LedgerLineError([f"{path}: needs a UTC offset"])
    return parsed.astimezone(UTC)


def _scope(value: Any) -> frozenset[str]:
    if value is None:
        return frozenset()
    if isinstance(value, str):
        return frozenset(s.strip() for s in value.replace(",", " ").split() if s.strip())
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return frozenset(value)
    raise LedgerLineError(["scope: must be a string or a list of strings"])


def parse_line(doc: Any) -> Entry | None:
    """One ledger line as an entry; a message that does not revoke gives None. Raises LedgerLineError."""
    if not isinstance(doc, dict):
        raise LedgerLineError(["(root): must be a JSON object"])
    kind = doc.get("type")
    if kind not in KINDS:
        raise LedgerLineError([f"type: must be one of {list(KINDS)}"])
    tenant = doc.get("tenant")
    if not isinstance(tenant, str) or not tenant:
        raise LedgerLineError(["tenant: required"])
    at = parse_time(doc["at"], "at") if doc.get("at") is not None else None
    if kind in ("consent", "revocation", "message", "attempt", "registry_snapshot") and at is None:
        raise LedgerLineError([f"at: required for {kind}"])
    phone = doc.get("phone")
    hashed = None
    if kind != "registry_snapshot":
        if not isinstance(phone, str) or not phone:
            raise LedgerLineError(["phone: required"])
        hashed = phone_hash(tenant, phone)
    outcome = doc.get("outcome")
    if kind == "attempt" and outcome is not None and outcome not in OUTCOMES:
        raise LedgerLineError([f"outcome: must be one of {list(OUTCOMES)}"])
    written = doc.get("written", False)
    if not isinstance(written, bool):
        raise LedgerLineError(["written: must be a boolean"])
    for name in ("region", "tz", "campaign_id"):
        if doc.get(name) is not None and not isinstance(doc.get(name), str):
            raise LedgerLineError([f"{name}: must be a string"])
    detail = None
    if kind == "message":
        text = doc.get("text")
        if not isinstance(text, str):
            raise LedgerLineError(["text: required for message"])
        found = detect_revocation(text)
        if found is None:
            return None
        kind, detail = "revocation", found.rule_id
    attributes = doc.get("attributes") or {}
    if not isinstance(attributes, dict):
        raise LedgerLineError(["attributes: must be an object"])
    return Entry(
        kind=kind,
        tenant=tenant,
        phone_hash=hashed,
        at=at,
        phone=phone if kind == "contact" else None,
        region=doc.get("region"),
        tz=doc.get("tz"),
        written=written,
        scope=_scope(doc.get("scope")),
        campaign_id=doc.get("campaign_id"),
        outcome=outcome,
        attributes={str(k): str(v) for k, v in attributes.items()},
        source="message" if detail else "ledger",
        detail=detail,
    )


def taint_scope(doc: Any) -> tuple[str | None, str | None]:
    """For a line that did not parse: the (tenant, phone hash) it may have been about, as far as readable."""
    if not isinstance(doc, dict):
        return None, None
    tenant = doc.get("tenant") if isinstance(doc.get("tenant"), str) and doc.get("tenant") else None
    phone = doc.get("phone")
    if tenant is None or not isinstance(phone, str) or not phone:
        return tenant, None
    return tenant, phone_hash(tenant, phone)


@dataclass
class NumberView:
    """What the ledger says about one number of one tenant at one moment."""

    tenant: str
    phone_hash: str
    at: datetime
    contact: Entry | None = None
    latest_revocation: Entry | None = None
    latest_consent: Entry | None = None
    valid_consents: list[Entry] = field(default_factory=list)  # granted after the latest revocation
    internal_dnc: Entry | None = None
    registry_listing: Entry | None = None
    registry_snapshot: datetime | None = None
    attempts: list[Entry] = field(default_factory=list)  # recorded attempts within ATTEMPT_HORIZON, oldest first
    unreadable: bool = False

    def consent_for(self, purpose: str, written_required: bool) -> Entry | None:
        for entry in reversed(self.valid_consents):
            if purpose in entry.scope and (entry.written or not written_required):
                return entry
        return None


@dataclass
class _NumberState:
    entries: list[Entry] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)


class Ledger:
    """The folded ledger. `add` is idempotent by event id; `view` answers as of a moment."""

    def __init__(self) -> None:
        self._numbers: dict[tuple[str, str], _NumberState] = {}
        self._snapshots: dict[str, list[datetime]] = {}
        self._tainted_numbers: set[tuple[str, str]] = set()
        self._tainted_tenants: set[str] = set()
        self._tainted_all = False

    # -- folding ---------------------------------------------------------------------------------------------
    def add(self, entry: Entry) -> bool:
        """Fold one entry in; False when it was already there (a redelivery)."""
        if entry.kind == "registry_snapshot":
            if entry.at is None:
                return False
            times = self._snapshots.setdefault(entry.tenant, [])
            if entry.at in times:
                return False
            times.append(entry.at)
            times.sort()
            del times[:-8]  # only the latest snapshots matter
            return True
        if entry.phone_hash is None:
            return False
        state = self._numbers.setdefault((entry.tenant, entry.phone_hash), _NumberState())
        if entry.event_id is not None:
            if entry.event_id in state.ids:
                return False
            state.ids.add(entry.event_id)
        state.entries.append(entry)
        return True

    def add_all(self, entries: Iterable[Entry]) -> None:
        for entry in entries:
            self.add(entry)

    def taint(self, tenant: str | None, hashed: str | None) -> None:
        if tenant is None:
            self._tainted_all = True
        elif hashed is None:
            self._tainted_tenants.add(tenant)
        else:
            self._tainted_numbers.add((tenant, hashed))

    def prune(self, now: datetime) -> None:
        """Bound memory on a long-running view: drop attempts past the horizon, consents superseded by a later
        revocation, and all but the latest entry of kinds where only the latest counts. Entries after `now`
        (clock skew) are all kept."""
        for state in self._numbers.values():
            past = [e for e in state.entries if e.applies_at(now)]
            future = [e for e in state.entries if not e.applies_at(now)]
            kept: list[Entry] = []
            revocations = [e for e in past if e.kind == "revocation"]
            last_revocation = max(revocations, key=lambda e: e.when) if revocations else None
            if last_revocation is not None:
                kept.append(last_revocation)
            consents = [e for e in past if e.kind == "consent"]
            if last_revocation is not None:
                latest = max(consents, key=lambda e: e.when) if consents else None
                consents = [e for e in consents if e.when > last_revocation.when]
                if latest is not None and latest not in consents:
                    kept.append(latest)  # rule 2 compares the revocation with the latest grant
            kept.extend(sorted(consents, key=lambda e: e.when)[-MAX_CONSENTS_KEPT:])
            for kind in ("contact", "internal_dnc", "registry_listing"):
                latest_of = [e for e in past if e.kind == kind]
                if latest_of:
                    kept.append(max(latest_of, key=lambda e: e.when))
            kept.extend(e for e in past if e.kind == "attempt" and e.when > now - ATTEMPT_HORIZON)
            state.entries = sorted(kept, key=lambda e: e.when) + future
            state.ids = {e.event_id for e in state.entries if e.event_id}

    # -- reading ---------------------------------------------------------------------------------------------
    def contacts(self, tenant: str) -> list[Entry]:
        """The latest contact record of each of the tenant's numbers."""
        out = []
        for (owner, _), state in self._numbers.items():
            if owner != tenant:
                continue
            records = [e for e in state.entries if e.kind == "contact"]
            if records:
                out.append(max(records, key=lambda e: e.when))
        return out

    def campaign_contacts(self, tenant: str, campaign_id: str) -> list[Entry]:
        """The latest contact record of each number imported into one campaign, in import order."""
        out = []
        for (owner, _), state in self._numbers.items():
            if owner != tenant:
                continue
            records = [e for e in state.entries if e.kind == "contact" and e.campaign_id == campaign_id]
            if records:
                out.append(records[-1])
        return out

    def entries(self, tenant: str, hashed: str) -> list[Entry]:
        state = self._numbers.get((tenant, hashed))
        return sorted(state.entries, key=lambda e: e.when) if state else []

    def view(self, tenant: str, hashed: str, at: datetime) -> NumberView:
        view = NumberView(tenant=tenant, phone_hash=hashed, at=at)
        view.unreadable = (
            self._tainted_all or tenant in self._tainted_tenants or (tenant, hashed) in self._tainted_numbers
        )
        snapshots = [t for t in self._snapshots.get(tenant, []) if t <= at]
        view.registry_snapshot = max(snapshots) if snapshots else None
        state = self._numbers.get((tenant, hashed))
        if state is None:
            return view
        applicable = sorted((e for e in state.entries if e.applies_at(at)), key=lambda e: e.when)
        consents: list[Entry] = []
        for entry in applicable:
            if entry.kind == "contact":
                view.contact = entry
            elif entry.kind == "revocation":
                view.latest_revocation = entry
            elif entry.kind == "consent":
                view.latest_consent = entry
                consents.append(entry)
            elif entry.kind == "internal_dnc":
                view.internal_dnc = entry
            elif entry.kind == "registry_listing":
                view.registry_listing = entry
            elif entry.kind == "attempt" and entry.when > at - ATTEMPT_HORIZON:
                view.attempts.append(entry)
        revoked_at = view.latest_revocation.when if view.latest_revocation else None
        view.valid_consents = [c for c in consents if revoked_at is None or c.when > revoked_at]
        return view


def entry_json(entry: Entry) -> dict[str, Any]:
    """An entry as `consent show` prints it: no raw number, no message text."""
    out: dict[str, Any] = {"type": entry.kind}
    if entry.at is not None:
        out["at"] = entry.at.isoformat().replace("+00:00", "Z")
    for name in ("region", "tz", "campaign_id", "outcome", "detail", "event_id"):
        value = getattr(entry, name)
        if value is not None:
            out[name] = value
    if entry.kind == "consent":
        out["written"] = entry.written
        out["scope"] = sorted(entry.scope)
    if entry.source != "ledger":
        out["source"] = entry.source
    return out
