from __future__ import annotations

import pytest

from relaydesk.compliance.claims import builtin_policy, check_claims, phrase_rule_id, tenant_policy

DEFAULT = tenant_policy([])


@pytest.mark.parametrize(
    ("text", "rule_prefix"),
    [
        ("This fund offers guaranteed returns of 8% a year.", "claims.guaranteed_returns.en"),
        ("该产品保证收益，请放心购买。", "claims.guaranteed_returns.zh"),
        ("元本保証なので安心です。", "claims.guaranteed_returns.ja"),
        ("Investasi ini dijamin untung setiap bulan.", "claims.guaranteed_returns.id"),
        ("You should sue the landlord for this.", "claims.legal_advice.en"),
        ("您应该起诉他们。", "claims.legal_advice.zh"),
        ("You should stop taking your medication before the trip.", "claims.medical_advice.en"),
        ("Anda sebaiknya berhenti minum obat itu.", "claims.medical_advice.id"),
        ("We will issue a full refund today.", "claims.refund_not_granted.en"),
        ("返金いたします。", "claims.refund_not_granted.ja"),
        ("I'll give you a 20% discount on the next order.", "claims.discount_not_granted.en"),
        ("给您打8折。", "claims.discount_not_granted.zh"),
    ],
)
def test_when_forbidden_claim_then_finding_with_offsets_only(text: str, rule_prefix: str) -> None:
    findings = check_claims(text, DEFAULT, sources="")
    assert [f.rule_id for f in findings] == [rule_prefix]
    finding = findings[0]
    assert finding.category == "forbidden_claim"
    assert finding.start is not None and finding.end is not None and finding.start < finding.end
    assert finding.detail is None  # never the matched words


@pytest.mark.parametrize(
    ("text", "sources"),
    [
        ("We will issue a full refund within 5 days.", "Damaged items get a full refund within 5 days."),
        ("您可以全额退款。", "商品损坏可全额退款。"),
        ("I'll give you a 10% discount.", "Members get a 10% discount on accessories."),
    ],
)
def test_when_knowledge_grants_refund_or_discount_then_allowed(text: str, sources: str) -> None:
    assert check_claims(text, DEFAULT, sources) == []


@pytest.mark.parametrize(
    "text",
    [
        "Your parcel will arrive on Tuesday.",
        "The warranty covers manufacturing defects.",  # a warranty is not a guaranteed return
        "我们会尽快处理您的问题。",
        "Pesanan Anda sedang dikirim.",
    ],
)
def test_when_ordinary_reply_then_no_claim(text: str) -> None:
    assert check_claims(text, DEFAULT, "") == []


def test_when_tenant_names_categories_then_only_those_apply_plus_its_phrases() -> None:
    policy = tenant_policy(["legal_advice", "Price Match Promise"])
    assert [c.name for c in policy.categories] == ["legal_advice"]
    text = "Our price match promise covers it, and guaranteed returns too."
    findings = check_claims(text, policy, "")
    assert [f.rule_id for f in findings] == [phrase_rule_id("price match promise")]
    assert "price" not in findings[0].rule_id  # the id is a hash, not the phrase
    assert policy.version.startswith(builtin_policy().version + "+")


def test_when_tenant_lists_only_phrases_then_defaults_still_apply() -> None:
    policy = tenant_policy(["lifetime warranty"])
    names = {c.name for c in policy.categories}
    assert {"guaranteed_returns", "legal_advice", "medical_advice"} <= names
    assert policy.phrases == ("lifetime warranty",)
