from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Values that may be the company's own public details in the knowledge (a hotline, a support address, the
# IBAN customers pay into, an agent's name). Card numbers and national ids never are.
EXEMPTABLE_TYPES = frozenset({"PHONE_NUMBER", "EMAIL_ADDRESS", "PERSON", "IBAN_CODE"})


class ComplianceSettings(BaseSettings):
    """The outbound filter. Tenant config (`tenant.config`) overrides the review share and forbidden claims."""

    model_config = SettingsConfigDict(env_prefix="RELAYDESK_COMPLIANCE_", frozen=True)

    # Micro-batching in the stream processor: up to `batch_size` events, waiting at most `batch_within_s`.
    batch_size: int = Field(default=16, ge=1)
    batch_within_s: float = Field(default=0.005, ge=0.0)

    # Share of non-blocked replies sampled to compliance.review until a tenant's config says otherwise.
    review_share: float = 0.0
    # spaCy labels (Presidio names) to redact on English text besides the structured identifiers.
    ner_entities: tuple[str, ...] = ("PERSON",)
    # PII types let through when the same value appears verbatim in the retrieved sources.
    source_exempt_types: tuple[str, ...] = ("PHONE_NUMBER", "EMAIL_ADDRESS", "PERSON", "IBAN_CODE")
    groundedness: bool = True
    # Share of a policy sentence's content words that must occur in the sources.
    min_claim_support: float = 0.5

    @field_validator("review_share")
    @classmethod
    def _share(cls, value: float) -> float:
        if not 0.0 <= value <= 1.0:
            raise ValueError("review_share must be within [0, 1]")
        return value

    @field_validator("source_exempt_types")
    @classmethod
    def _exempt(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = set(value) - EXEMPTABLE_TYPES
        if unknown:
            raise ValueError(f"these PII types can never be exempted: {sorted(unknown)}")
        return value
