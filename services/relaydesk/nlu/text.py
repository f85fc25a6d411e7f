"""Text normalisation before embedding and lexicon matching.

Customer turns arrive redacted (`<CREDIT_CARD>`, `<EMAIL_ADDRESS>`, ...), with shouting, stretched letters
("pleaseeee") and runs of punctuation. Mapping those to one canonical form makes the embedding depend on
what was said rather than how it was typed, and it raises the hit rate of the query-embedding cache.
"""

from __future__ import annotations

import re
import unicodedata

# Redaction placeholders (guard stage) become plain words the embedder understands.
_PLACEHOLDER_WORDS: dict[str, str] = {
    "CREDIT_CARD": "card number",
    "IBAN_CODE": "bank account number",
    "US_BANK_NUMBER": "bank account number",
    "EMAIL_ADDRESS": "email address",
    "PHONE_NUMBER": "phone number",
    "PERSON": "name",
    "LOCATION": "place",
    "IP_ADDRESS": "ip address",
    "URL": "link",
    "DATE_TIME": "date",
    "US_SSN": "id number",
    "ID_NUMBER": "id number",
}
_PLACEHOLDER = re.compile(r"<([A-Z][A-Z0-9_]{1,40})>")
_STRETCH = re.compile(r"([^\W\d_])\1{2,}")
_PUNCT_RUN = re.compile(r"([!?.,~。！？、…])\1+")
_SPACE = re.compile(r"\s+")


def replace_placeholders(text: str) -> str:
    return _PLACEHOLDER.sub(lambda m: _PLACEHOLDER_WORDS.get(m.group(1), "information"), text)


def normalize_text(text: str, max_chars: int = 0) -> str:
    """Canonical form used for embedding: NFKC, placeholders as words, case-folded, letters stretched three
    times or more cut to two, punctuation runs cut to one, whitespace collapsed. `max_chars` > 0 truncates
    (the embedder's cost grows with length; the first few hundred characters carry the request)."""
    out = unicodedata.normalize("NFKC", text)
    out = replace_placeholders(out)
    out = out.casefold()
    out = _STRETCH.sub(r"\1\1", out)
    out = _PUNCT_RUN.sub(r"\1", out)
    out = _SPACE.sub(" ", out).strip()
    if max_chars > 0 and len(out) > max_chars:
        out = out[:max_chars].rstrip()
    return out or "."
