"""Every topic relaydesk uses, with its partition count, key and retention. `schemas/asyncapi.yaml` documents
the same list; `tests/unit/test_asyncapi.py` keeps the two in step."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TopicSpec:
    name: str
    event_type: str
    key: str
    partitions: int = 4
    config: dict[str, str] = field(default_factory=dict)
    has_dlq: bool = False
    restricted: bool = False

    @property
    def dlq(self) -> str:
        return f"{self.name}.dlq"


class Topics:
    """Logical topic names. A deployment can add a prefix (RELAYDESK_TOPIC_PREFIX) for isolation."""

    TURNS_RAW = "relaydesk.turns.raw"
    TURNS_GUARDED = "relaydesk.turns.guarded"
    TURNS_INTENT = "relaydesk.turns.intent"
    TURNS_EMOTION = "relaydesk.turns.emotion"
    TURNS_CONTEXT = "relaydesk.turns.context"
    REPLIES_PARTIAL = "relaydesk.replies.partial"
    REPLIES_STREAM = "relaydesk.replies.stream"
    REPLIES_DRAFT = "relaydesk.replies.draft"
    REPLIES = "relaydesk.replies"
    HANDOFFS = "relaydesk.handoffs"
    KNOWLEDGE_UPDATES = "relaydesk.knowledge.updates"
    KNOWLEDGE_APPLIED = "relaydesk.knowledge.applied"
    COMPLIANCE_AUDIT = "relaydesk.compliance.audit"
    COMPLIANCE_REVIEW = "relaydesk.compliance.review"
    TENANT_CONFIG = "relaydesk.tenant.config"
    DLQ_REPLAYED = "relaydesk.dlq.replayed"
    CONVERSATION_STATE = "relaydesk.conversation.state"
    CONVERSATION_SUMMARIES = "relaydesk.conversation.summaries"
    AGENT_COMMANDS = "relaydesk.agent.commands"
    ASSIST_SUGGESTIONS = "relaydesk.assist.suggestions"
    CONSENT_LEDGER = "relaydesk.consent.ledger"
    CAMPAIGNS = "relaydesk.campaigns"
    DIAL_ALLOWED = "relaydesk.dial.allowed"
    DIAL_BLOCKED = "relaydesk.dial.blocked"
    DIAL_OUTCOMES = "relaydesk.dial.outcomes"
    QA_SCORED = "relaydesk.qa.scored"
    QA_LABELS = "relaydesk.qa.labels"


_COMPACT = {"cleanup.policy": "compact"}
_SHORT = {"retention.ms": str(60 * 60 * 1000)}  # raw customer text: one hour unless a tenant says otherwise

CATALOG: tuple[TopicSpec, ...] = (
    TopicSpec(Topics.TURNS_RAW, "conversation.turn", "conversation_id", config=_SHORT, has_dlq=True,
              restricted=True),
    TopicSpec(Topics.TURNS_GUARDED, "conversation.turn.annotated", "conversation_id", has_dlq=True),
    TopicSpec(Topics.TURNS_INTENT, "conversation.turn.annotated", "conversation_id", has_dlq=True),
    TopicSpec(Topics.TURNS_EMOTION, "conversation.turn.annotated", "conversation_id", has_dlq=True),
    TopicSpec(Topics.TURNS_CONTEXT, "conversation.turn.annotated", "conversation_id", has_dlq=True),
    # Generation's raw stream: compliance reads it (and dead-letters what it cannot read); customers never do.
    TopicSpec(Topics.REPLIES_PARTIAL, "reply.partial", "conversation_id", has_dlq=True),
    TopicSpec(Topics.REPLIES_STREAM, "reply.stream", "conversation_id"),
    TopicSpec(Topics.REPLIES_DRAFT, "reply.draft", "conversation_id", has_dlq=True),
    TopicSpec(Topics.REPLIES, "reply", "conversation_id", has_dlq=True),  # dead letters: the QA processor
    TopicSpec(Topics.HANDOFFS, "handoff", "conversation_id", has_dlq=True),
    TopicSpec(Topics.KNOWLEDGE_UPDATES, "knowledge.update", "tenant_id:doc_id", has_dlq=True),
    TopicSpec(Topics.KNOWLEDGE_APPLIED, "knowledge.applied", "tenant_id:doc_id"),
    TopicSpec(Topics.COMPLIANCE_AUDIT, "compliance.audit", "conversation_id", has_dlq=True),  # read by QA
    TopicSpec(Topics.COMPLIANCE_REVIEW, "compliance.review", "conversation_id"),
    TopicSpec(Topics.TENANT_CONFIG, "tenant.config", "tenant_id", partitions=1, config=_COMPACT, has_dlq=True),
    # dead letters replayed by `relaydesk dlq replay`, so a second replay skips them
    TopicSpec(Topics.DLQ_REPLAYED, "dlq.replayed", "dead_letter_id", partitions=1, config=_COMPACT),
    TopicSpec(Topics.CONVERSATION_STATE, "conversation.state", "conversation_id", config=_COMPACT, has_dlq=True),
    TopicSpec(Topics.CONVERSATION_SUMMARIES, "conversation.summary", "conversation_id"),
    # Agents' messages are unchecked text until compliance has seen them: restricted like raw turns.
    TopicSpec(Topics.AGENT_COMMANDS, "agent.command", "conversation_id", config=_SHORT, has_dlq=True, restricted=True),
    TopicSpec(Topics.ASSIST_SUGGESTIONS, "assist.suggestions", "conversation_id"),
    # Outbound: the consent ledger is one partition (a total order per tenant and number, and every replica
    # reads it whole), compacted by "tenant:phone_hash:slot" so only superseded contact/DNC records go.
    TopicSpec(Topics.CONSENT_LEDGER, "consent.event", "tenant_id:phone_hash:slot", partitions=1, config=_COMPACT),
    TopicSpec(Topics.CAMPAIGNS, "campaign.command", "tenant_id:campaign_id", partitions=1, has_dlq=True),
    TopicSpec(Topics.DIAL_ALLOWED, "dial.allowed", "tenant_id:phone_hash", has_dlq=True),
    TopicSpec(Topics.DIAL_BLOCKED, "dial.blocked", "tenant_id:phone_hash"),
    TopicSpec(Topics.DIAL_OUTCOMES, "dial.outcome", "tenant_id:phone_hash", has_dlq=True),
    # QA: each scored conversation (also read back by the QA processor), and graders' answers for calibration.
    TopicSpec(Topics.QA_SCORED, "qa.scored", "conversation_id", has_dlq=True),
    TopicSpec(Topics.QA_LABELS, "qa.label", "conversation_id"),
)


def by_name(name: str) -> TopicSpec:
    for spec in CATALOG:
        if spec.name == name:
            return spec
    raise KeyError(name)


def all_topic_specs(partitions: int | None = None) -> list[TopicSpec]:
    """The catalog plus one dead-letter topic per consumed topic. `partitions` overrides the default count
    of multi-partition topics (single-partition topics such as tenant config stay at one)."""
    out: list[TopicSpec] = []
    for spec in CATALOG:
        n = spec.partitions if (partitions is None or spec.partitions == 1) else partitions
        out.append(TopicSpec(spec.name, spec.event_type, spec.key, n, spec.config, spec.has_dlq, spec.restricted))
        if spec.has_dlq:
            dlq_config = spec.config if spec.restricted else {}
            out.append(TopicSpec(spec.dlq, "dead_letter", "source key", 1, dlq_config, False, spec.restricted))
    return out
