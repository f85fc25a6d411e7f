"""The first bot message of an answered outbound call: with an AI or prerecorded voice it says it is an automated
assistant, names the company, and tells how to opt out (FCC 24-17: AI voices are artificial voices under the
TCPA), personalised from the contact's attributes. The abandoned-call message (no agent within 2 s) says who is
calling and how to opt out too."""

from __future__ import annotations

from collections.abc import Mapping

from relaydesk.campaigns.model import Campaign


def contact_name(attributes: Mapping[str, str]) -> str:
    for key in ("first_name", "name", "given_name"):
        value = (attributes.get(key) or "").strip()
        if value:
            return value[:40]
    return ""


def opening_message(campaign: Campaign, attributes: Mapping[str, str]) -> str:
    name = contact_name(attributes)
    greeting = f"Hello {name}," if name else "Hello,"
    pitch = campaign.script.strip() or "I'm calling about an offer we think may interest you."
    if attributes.get("product"):
        pitch = f"I'm calling about {attributes['product'][:80]}."
    if campaign.ai_voice:
        return (f"{greeting} this is an automated assistant calling on behalf of {campaign.company_name}. {pitch} "
                f"If you don't want us to contact you again, {campaign.opt_out_hint} and we will stop.")
    return f"{greeting} this is {campaign.company_name}. {pitch} To stop our calls, {campaign.opt_out_hint}."


def abandoned_call_message(campaign: Campaign) -> str:
    return (f"This is {campaign.company_name}. Sorry we missed you; no one is available to take your call right "
            f"now. To stop our calls, {campaign.opt_out_hint}.")
