"""PII detection and masking: Presidio with checksum recognizers (cards, IBAN, phones, emails, US SSN,
Chinese resident ID, Japanese My Number, Indonesian NIK) and spaCy NER for English names.

`redact(text, lang)` uses one shared `Redactor` per process.
"""

from relaydesk.compliance.pii.engine import PiiSpan, RedactionResult, Redactor, get_redactor, redact
from relaydesk.compliance.pii.recognizers import STRUCTURED_TYPES

__all__ = ["STRUCTURED_TYPES", "PiiSpan", "RedactionResult", "Redactor", "get_redactor", "redact"]
