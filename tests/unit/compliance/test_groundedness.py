from __future__ import annotations

import pytest

from relaydesk.compliance.groundedness import check_grounded, extract_facts, parse_number

SOURCES = [
    "Items can be returned within 30 days of delivery for a full refund. Standard shipping costs $4.99 and "
    "takes 3-5 business days. The sale ends on May 31, 2025. Hotline hours 9:00 to 17:30.",
    "退货请在收货后30天内申请，运费由顾客承担。",
]


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("1,234.56", 1234.56),
        ("1.234,56", 1234.56),  # European decimals
        ("1.200", 1200.0),  # Indonesian thousands
        ("12,5", 12.5),
        ("3000", 3000.0),
    ],
)
def test_when_number_written_locally_then_parsed_as_meant(raw: str, value: float) -> None:
    assert parse_number(raw) == value


@pytest.mark.parametrize(
    "text",
    [
        "You can return it within 30 days for a full refund.",
        "Shipping is $4.99 and takes 3-5 business days.",
        "The sale ends on 31 May 2025.",  # same date, other order
        "Call us between 9:00 and 17:30.",
        "Your order 884213 has shipped on flight UA857.",  # identifiers are not claims
        "1. Pack the item.\n2. Print the label.",  # list markers
        "您可以在收货后30天内申请退货。",
    ],
)
def test_when_reply_facts_in_sources_then_grounded(text: str) -> None:
    assert check_grounded(text, SOURCES) == []


@pytest.mark.parametrize(
    ("text", "rule_id"),
    [
        ("You can return it within 60 days.", "grounded.number"),
        ("Shipping costs $9.99.", "grounded.amount"),
        ("You get 15% back.", "grounded.amount"),
        ("The sale ends on June 30, 2025.", "grounded.date"),
        ("We open at 8:00.", "grounded.time"),
        ("Opened items can be exchanged for store credit at no charge.", "grounded.policy_claim"),
    ],
)
def test_when_reply_fact_not_in_sources_then_finding(text: str, rule_id: str) -> None:
    findings = check_grounded(text, SOURCES)
    assert rule_id in [f.rule_id for f in findings]
    assert all(f.category == "groundedness" for f in findings)


def test_when_span_is_pii_then_not_a_number_claim() -> None:
    text = "Call +1 415 555 0134 about it."
    assert check_grounded(text, SOURCES, skip=[(5, 20)]) == []
    assert [f.kind for f in extract_facts(text, skip=[(5, 20)])] == []
