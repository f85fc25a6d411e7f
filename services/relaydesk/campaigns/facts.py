"""What the policy needs to know about the called number, derived once per attempt with `phonenumbers`."""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers
from phonenumbers import geocoder, timezone

from relaydesk.consent.ledger import NumberView
from relaydesk.consent.numbers import parse_e164

UNKNOWN_ZONE = "Etc/Unknown"


@dataclass(frozen=True)
class NumberFacts:
    valid: bool
    country_code: int | None = None
    region_code: str | None = None
    geocode: str = ""
    zones: tuple[str, ...] = ()  # the contact's tz, else every zone phonenumbers gives
    zone_source: str = "none"  # "contact" or "number"
    us_state: str | None = None  # the contact's region

    @property
    def is_us(self) -> bool:
        return self.country_code == 1 and self.region_code == "US"

    @property
    def is_uk(self) -> bool:
        return self.country_code == 44

    @property
    def florida(self) -> bool:
        """Florida by the contact's region, or, without one, by the number's geocoded description."""
        if self.us_state:
            return self.us_state.strip().upper() == "FL"
        if not self.is_us:
            return False
        geo = self.geocode.strip()
        return "Florida" in geo or geo.endswith(", FL")


def facts_for(phone: str, view: NumberView) -> NumberFacts:
    number = parse_e164(phone)
    contact = view.contact
    region = contact.region if contact and contact.region else None
    if number is None:
        return NumberFacts(valid=False, us_state=region)
    zones: tuple[str, ...]
    if contact is not None and contact.tz:
        zones, source = (contact.tz,), "contact"
    else:
        zones = tuple(z for z in timezone.time_zones_for_number(number) if z != UNKNOWN_ZONE)
        source = "number"
    return NumberFacts(
        valid=True,
        country_code=number.country_code,
        region_code=phonenumbers.region_code_for_number(number),
        geocode=geocoder.description_for_number(number, "en"),
        zones=zones,
        zone_source=source,
        us_state=region,
    )
