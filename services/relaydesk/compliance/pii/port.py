"""What a stage needs of a PII redactor: the guard masks inbound turns with it, compliance outbound replies.
Both cores depend on this interface, not on each other."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from relaydesk.compliance.pii.engine import PiiSpan, RedactionResult


class PiiRedactor(Protocol):
    def analyze(self, text: str, lang: str | None = None) -> list[PiiSpan]: ...

    def anonymize(self, text: str, spans: list[PiiSpan]) -> str: ...

    def redact(
        self, text: str, lang: str | None = None, keep: Callable[[PiiSpan, str], bool] | None = None
    ) -> RedactionResult: ...
