"""The real PII redactor (Presidio + the packaged spaCy model), loaded once per test session."""

from __future__ import annotations

import pytest

from relaydesk.compliance.pii import Redactor, get_redactor


@pytest.fixture(scope="session")
def redactor() -> Redactor:
    return get_redactor()
