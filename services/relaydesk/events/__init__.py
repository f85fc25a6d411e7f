"""Event models. The JSON Schemas under `schemas/` are the contract; these models mirror them.

`tests/unit/test_schema_drift.py` fails when a model and its schema disagree.
"""

from relaydesk.events.agent import AgentCommand, AssistSuggestions, Suggestion, SuggestionSource
from relaydesk.events.annotations import (
    Attack,
    EmotionAnnotation,
    Entity,
    GuardAnnotation,
    IntentAnnotation,
    IntentCandidate,
    RetrievalAnnotation,
    RetrievalHit,
    SentenceScore,
    StageTiming,
    TurnEmbedding,
)
from relaydesk.events.compliance import ComplianceAudit, ComplianceReview, Finding
from relaydesk.events.consent import ConsentEvent
from relaydesk.events.conversation import ConversationTurn, TurnAnnotated, TurnBody
from relaydesk.events.conversation_state import ConversationState, ConversationSummary
from relaydesk.events.dead_letter import DeadLetter, DeadLetterHeader
from relaydesk.events.dlq_replayed import DlqReplayed
from relaydesk.events.envelope import Envelope, new_event_id, utcnow
from relaydesk.events.knowledge import KnowledgeApplied, KnowledgeUpdate
from relaydesk.events.outbound import CampaignCommand, DialAllowed, DialBlocked, DialOutcome
from relaydesk.events.qa import QaAnswer, QaEvidence, QaLabel, QaLabelAnswer, QaScored
from relaydesk.events.reply import (
    CacheInfo,
    ComplianceVerdict,
    GenerationStats,
    Handoff,
    Reply,
    ReplyDraft,
    ReplyPartial,
    ReplySource,
)
from relaydesk.events.stream import ReplyStreamChunk
from relaydesk.events.tenant import TenantConfig, TenantIntent

__all__ = [
    "AgentCommand",
    "AssistSuggestions",
    "Attack",
    "CacheInfo",
    "CampaignCommand",
    "ComplianceAudit",
    "ComplianceReview",
    "ComplianceVerdict",
    "ConsentEvent",
    "ConversationState",
    "ConversationSummary",
    "ConversationTurn",
    "DeadLetter",
    "DeadLetterHeader",
    "DialAllowed",
    "DialBlocked",
    "DialOutcome",
    "DlqReplayed",
    "EmotionAnnotation",
    "Entity",
    "Envelope",
    "Finding",
    "GenerationStats",
    "GuardAnnotation",
    "Handoff",
    "IntentAnnotation",
    "IntentCandidate",
    "KnowledgeApplied",
    "KnowledgeUpdate",
    "QaAnswer",
    "QaEvidence",
    "QaLabel",
    "QaLabelAnswer",
    "QaScored",
    "Reply",
    "ReplyDraft",
    "ReplyPartial",
    "ReplySource",
    "ReplyStreamChunk",
    "RetrievalAnnotation",
    "RetrievalHit",
    "SentenceScore",
    "StageTiming",
    "Suggestion",
    "SuggestionSource",
    "TenantConfig",
    "TenantIntent",
    "TurnAnnotated",
    "TurnBody",
    "TurnEmbedding",
    "new_event_id",
    "utcnow",
]
