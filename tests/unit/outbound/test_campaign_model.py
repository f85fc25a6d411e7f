"""Campaign files: defaults, and errors that name field paths without echoing values."""

from __future__ import annotations

import pytest

from relaydesk.campaigns.model import CampaignError, load_campaign_text, parse_campaign

GOOD = {
    "campaign_id": "spring-offer",
    "tenant": "acme",
    "purpose": "telemarketing",
    "channel": "voice",
    "ai_voice": True,
    "jurisdictions": ["us_federal", "us_fl"],
    "calling_window": {"start": "09:00", "end": "20:00"},
    "max_attempts_per_24h": 2,
}


def test_when_campaign_valid_then_defaults_filled() -> None:
    campaign = parse_campaign(GOOD)
    assert campaign.pacing == "progressive"
    assert campaign.needs_consent
    assert campaign.company_name == "acme"


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"channel": "fax"}, "channel"),  # not voice or sms
        ({"jurisdictions": ["us_federal", "mars"]}, "jurisdictions"),  # unknown rule pack
        ({"calling_window": {"start": "9am", "end": "20:00"}}, "calling_window/start"),  # not HH:MM
        ({"max_attempts_per_24h": 0}, "max_attempts_per_24h"),  # at least one
        ({"tenant": "Acme Corp"}, "tenant"),  # tenant id pattern
        ({"surprise": 1}, "surprise"),  # unknown field
    ],
)
def test_when_field_invalid_then_error_names_its_path(change: dict, path: str) -> None:
    with pytest.raises(CampaignError) as info:
        parse_campaign({**GOOD, **change})
    assert any(p.startswith(f"{path}:") for p in info.value.problems), info.value.problems


def test_when_yaml_broken_then_error_says_so() -> None:
    with pytest.raises(CampaignError, match="not valid YAML"):
        load_campaign_text("campaign_id: [unclosed", ".yaml")
