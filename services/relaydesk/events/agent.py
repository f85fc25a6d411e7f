"""What agents do to a conversation (claim, release, message), as commands the gateway produces for the
`conversations` processor, and the suggestions agent assist makes for a held conversation's latest turn."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from relaydesk.events.envelope import ConversationId, Envelope, Model
from relaydesk.events.ids import derived_id

AGENT_TEXT_MAX_CHARS = 2000
AgentCommandName = Literal["claim", "release", "message"]
ReleaseTarget = Literal["bot", "closed"]
AGENT_ID_PATTERN = r"^[A-Za-z0-9._@:-]{1,128}$"


class AgentCommand(Envelope):
    """`agent.command` v1: an agent claims, releases or writes in a conversation (text is not yet checked)."""

    EVENT_TYPE: ClassVar[str] = "agent.command"
    EVENT_VERSION: ClassVar[int] = 1
    SCHEMA: ClassVar[str] = "agent/agent_command.v1.json"

    event_type: Literal["agent.command"] = "agent.command"
    event_version: Literal[1] = 1
    conversation_id: ConversationId
    command: AgentCommandName
    agent_id: str = Field(pattern=AGENT_ID_PATTERN)
    # release: where the conversation goes next.
    to: ReleaseTarget | None = None
    # message: the agent's words, checked by compliance like the bot's before they reach the customer.
    text: str | None = Field(default=None, min_length=1, max_length=AGENT_TEXT_MAX_CHARS)
    # message: answers this customer turn (the latest one when the agent wrote).
    turn_id: str | None = Field(default=None, max_length=64)


class SuggestionSource(Model):
    doc_id: str
    title: str


class Suggestion(Model):
    text: str = Field(min_length=1, max_length=AGENT_TEXT_MAX_CHARS)
    # draft: a grounded reply the agent can send or edit; card: the knowledge passage behind it.
    kind: Literal["draft", "card"]
    sources: list[SuggestionSource] = Field(default_factory=list)


class AssistSuggestions(Envelope):
    """`assist.suggestions` v1: draft replies and knowledge cards for one customer turn of a held conversation."""

    EVENT_TYPE: ClassVar[str] = "assist.suggestions"
    EVENT_VERSION: ClassVar[int] = 1
    SCHEMA: ClassVar[str] = "agent/assist_suggestions.v1.json"

    event_type: Literal["assist.suggestions"] = "assist.suggestions"
    event_version: Literal[1] = 1
    conversation_id: ConversationId
    turn_id: str
    # When the gateway received the customer's turn: turn -> first suggestion latency.
    received_at: datetime
    items: list[Suggestion] = Field(default_factory=list)


def agent_reply_id(command_event_id: str) -> str:
    """The reply id of an agent's message: from its command, so the gateway can name it before it exists and
    a redelivered command yields the same reply."""
    return derived_id(command_event_id, "conversations", "reply")
