"""Phone numbers: E.164 parsing (with `phonenumbers`) and the keyed hash the ledger is keyed by.

The ledger keys every entry by tenant and an HMAC of the number, so compaction, logs and most events never hold
the raw number; only contact records and `dial.allowed` (which the connector must dial) carry it.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from functools import lru_cache

import phonenumbers

# A deployment sets its own secret (RELAYDESK_CONSENT_HASH_KEY); the default keeps local stacks and tests working.
_DEFAULT_KEY = "relaydesk-local-consent-hash-key"
E164_PATTERN = r"^\+[1-9][0-9]{6,14}$"


def hash_key() -> bytes:
    return os.environ.get("RELAYDESK_CONSENT_HASH_KEY", _DEFAULT_KEY).encode("utf-8")


def parse_e164(value: str) -> phonenumbers.PhoneNumber | None:
    """The parsed number when `value` is a valid E.164 number (leading '+', valid for its region), else None."""
    if not isinstance(value, str) or not value.startswith("+"):
        return None
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return number


def normalise(value: str) -> str | None:
    number = parse_e164(value)
    return None if number is None else phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def looks_like_e164(value: str | None) -> bool:
    return bool(value) and normalise(value or "") is not None


@lru_cache(maxsize=65536)
def _hash(key: bytes, tenant: str, canonical: str) -> str:
    return hmac.new(key, f"{tenant}\x00{canonical}".encode(), hashlib.sha256).hexdigest()[:32]


def phone_hash(tenant: str, phone: str) -> str:
    """The tenant-scoped keyed hash of a number (canonical E.164 when it parses, the raw string otherwise, so an
    invalid number still has a stable key)."""
    canonical = normalise(phone) or phone.strip()
    return _hash(hash_key(), tenant, canonical)


def ledger_key(tenant: str, phone_hash_value: str) -> str:
    return f"{tenant}:{phone_hash_value}"
