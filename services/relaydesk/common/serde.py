"""(De)serialisation of events: JSON on the wire, validated against the JSON Schema (the contract) and the
pydantic model on both sides. Failures raise a typed `EventError` whose message names the error type and
field paths, never the offending values (they may be customer text)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, TypeVar

from pydantic import ValidationError

from relaydesk.common.schema_registry import fast_validator_for, validator_for
from relaydesk.events import (
    AgentCommand,
    AssistSuggestions,
    CampaignCommand,
    ComplianceAudit,
    ComplianceReview,
    ConsentEvent,
    ConversationState,
    ConversationSummary,
    ConversationTurn,
    DeadLetter,
    DialAllowed,
    DialBlocked,
    DialOutcome,
    DlqReplayed,
    Envelope,
    Handoff,
    KnowledgeApplied,
    KnowledgeUpdate,
    QaLabel,
    QaScored,
    Reply,
    ReplyDraft,
    ReplyPartial,
    ReplyStreamChunk,
    TenantConfig,
    TurnAnnotated,
)

E = TypeVar("E", bound=Envelope)

EVENT_CLASSES: tuple[type[Envelope], ...] = (
    ConversationTurn,
    TurnAnnotated,
    ReplyPartial,
    ReplyStreamChunk,
    ReplyDraft,
    Reply,
    Handoff,
    KnowledgeUpdate,
    KnowledgeApplied,
    ComplianceAudit,
    ComplianceReview,
    TenantConfig,
    DeadLetter,
    DlqReplayed,
    ConversationState,
    ConversationSummary,
    AgentCommand,
    AssistSuggestions,
    ConsentEvent,
    CampaignCommand,
    DialAllowed,
    DialBlocked,
    DialOutcome,
    QaScored,
    QaLabel,
)
_BY_TYPE: dict[tuple[str, int], type[Envelope]] = {(c.EVENT_TYPE, c.EVENT_VERSION): c for c in EVENT_CLASSES}


class EventError(ValueError):
    """An event that cannot be (de)serialised. `kind` is one of: not_json, schema, model, unknown_type,
    wrong_type. The message is safe to log and to put in a dead letter."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind


def _schema_errors(doc: Any, cls: type[Envelope]) -> list[str]:
    """[] for a valid document, else "path: keyword violated" per problem (no values). The compiled validator
    judges; jsonschema words its findings, or, where the two differ (a format only the first checks), the
    compiled validator's own paths and keywords do."""
    fast = fast_validator_for(cls.SCHEMA)
    if fast.is_valid(doc):
        return []
    problems = [
        f"{'/'.join(str(p) for p in err.absolute_path) or '(root)'}: {err.validator} violated"
        for err in sorted(validator_for(cls.SCHEMA).iter_errors(doc), key=lambda e: list(e.absolute_path))
    ]
    return problems or [
        f"{'/'.join(str(p) for p in err.instance_path) or '(root)'}: {err.schema_path[-1]} violated"
        for err in fast.iter_errors(doc)
    ]


def _model_errors(exc: ValidationError) -> list[str]:
    return [f"{'/'.join(str(p) for p in e['loc']) or '(root)'}: {e['type']}" for e in exc.errors()]


def _summarise(problems: Iterable[str], limit: int = 8) -> str:
    items = list(problems)
    more = f" (+{len(items) - limit} more)" if len(items) > limit else ""
    return "; ".join(items[:limit]) + more


def to_document(event: Envelope) -> dict[str, Any]:
    doc: dict[str, Any] = event.model_dump(mode="json", exclude_none=True)
    problems = _schema_errors(doc, type(event))
    if problems:
        raise EventError("schema", f"{event.EVENT_TYPE} v{event.EVENT_VERSION}: {_summarise(problems)}")
    return doc


def serialize(event: Envelope) -> bytes:
    return json.dumps(to_document(event), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _parse(data: bytes) -> dict[str, Any]:
    try:
        # NaN/Infinity are not JSON (and would pass `minimum` checks); ValueError also covers bad UTF-8 and
        # integers too long to convert; RecursionError, nesting too deep to parse.
        doc = json.loads(data, parse_constant=_no_constants)
    except (ValueError, RecursionError) as exc:
        raise EventError("not_json", f"{type(exc).__name__} at position {getattr(exc, 'pos', '?')}") from None
    if not isinstance(doc, dict):
        raise EventError("not_json", f"expected a JSON object, got {type(doc).__name__}")
    return doc


def event_class_of(doc: dict[str, Any]) -> type[Envelope]:
    key = (doc.get("event_type"), doc.get("event_version"))
    cls = _BY_TYPE.get(key)  # type: ignore[arg-type]
    if cls is None:
        raise EventError("unknown_type", f"no model for event_type/event_version {key!r}")
    return cls


def from_document(doc: dict[str, Any], expected: type[E] | None = None) -> E:
    cls = event_class_of(doc)
    if expected is not None and cls is not expected:
        raise EventError("wrong_type", f"expected {expected.EVENT_TYPE}, got {cls.EVENT_TYPE}")
    problems = _schema_errors(doc, cls)
    if problems:
        raise EventError("schema", f"{cls.EVENT_TYPE} v{cls.EVENT_VERSION}: {_summarise(problems)}")
    try:
        return cls.model_validate(doc)  # type: ignore[return-value]
    except ValidationError as exc:
        raise EventError("model", f"{cls.EVENT_TYPE}: {_summarise(_model_errors(exc))}") from None


def deserialize(data: bytes, expected: type[E] | None = None) -> E:
    return from_document(_parse(data), expected)
