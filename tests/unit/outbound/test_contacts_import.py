"""Contact imports: bad rows reported by line number with field paths, good rows kept."""

from __future__ import annotations

import pytest

from relaydesk.campaigns.contacts import parse_contacts
from relaydesk.campaigns.model import parse_campaign
from relaydesk.campaigns.opener import opening_message


def test_when_csv_has_bad_rows_then_they_are_reported_by_line_and_good_rows_import() -> None:
    text = "phone,first_name,region,tz\n+12125550101,Dana,NY,\n12345,Bob,,\n+13055550103,Eve,FL,Mars/Base\n" \
           "+13055550104,Ann,Florida,\n+13055550105,Lee,fl,America/New_York\n"
    result = parse_contacts(text, "csv")
    assert [(r.line, r.phone) for r in result.rows] == [(2, "+12125550101"), (6, "+13055550105")]
    assert result.rows[1].region == "FL" and result.rows[0].attributes == {"first_name": "Dana"}
    assert result.errors == [
        {"line": 3, "problems": ["phone: must be E.164 (+ and 7-15 digits)"]},
        {"line": 4, "problems": ["tz: not an IANA time zone"]},
        {"line": 5, "problems": ["region: must be a two-letter state code"]},
    ]
    assert "Bob" not in str(result.errors)  # values are never echoed


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("not json", "(root): not JSON"),
        ('{"first_name": "A"}', "phone: required"),
        ('{"phone": 5}', "phone: must be a string"),
        ('["+12125550101"]', "(root): must be an object"),
    ],
)
def test_when_jsonl_row_bad_then_named(line: str, problem: str) -> None:
    result = parse_contacts('{"phone": "+12125550101"}\n' + line + "\n", "jsonl")
    assert len(result.rows) == 1
    assert result.errors == [{"line": 2, "problems": [problem]}]


def test_when_csv_has_no_phone_column_then_header_error() -> None:
    assert parse_contacts("number,name\n+12125550101,A\n", "csv").errors[0]["problems"] == [
        "header: needs a phone column"
    ]


def test_when_human_voice_then_opening_names_company_without_claiming_automation() -> None:
    campaign = parse_campaign({
        "campaign_id": "c", "tenant": "acme", "purpose": "informational", "channel": "voice", "ai_voice": False,
        "jurisdictions": ["us_federal"], "calling_window": {"start": "08:00", "end": "21:00"},
        "max_attempts_per_24h": 1, "company": "Acme",
    })
    text = opening_message(campaign, {})
    assert "Acme" in text and "automated" not in text and "stop" in text.lower()
