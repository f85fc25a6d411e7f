"""A conversation as QA reads it: its turns (speaker, redacted text) and, where the stack has them, the
annotations of each turn (emotion, intent, compliance findings, hand-offs, knowledge retrieved).

The offline JSONL shape (`relaydesk qa score`) and the stack's events (qa/transcript.py) both become this.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

STAFF = frozenset({"bot", "agent"})
SPEAKERS = frozenset({"customer", "bot", "agent"})


@dataclass(frozen=True)
class Turn:
    speaker: str  # customer | bot | agent
    text: str
    emotion: str | None = None  # the emotion stage's label, when the turn went through it
    intent: str | None = None  # the intent stage's label
    handoff: bool = False  # this staff turn handed the conversation to a person
    findings: tuple[str, ...] = ()  # compliance rule ids found in this staff turn (pii.*, grounded.*)
    sources: tuple[str, ...] = ()  # knowledge text retrieved for this turn

    @property
    def is_staff(self) -> bool:
        return self.speaker in STAFF


@dataclass(frozen=True)
class KnowledgeDoc:
    doc_id: str
    title: str
    body: str


@dataclass(frozen=True)
class Conversation:
    conversation_id: str
    turns: tuple[Turn, ...]
    direction: str = "inbound"  # inbound | outbound
    channel: str = "webchat"
    lang: str | None = None
    knowledge: tuple[KnowledgeDoc, ...] = ()
    tenant_id: str | None = None
    company: str | None = None  # the tenant's display name, when known
    extra: Mapping[str, Any] = field(default_factory=dict)

    def staff_indexes(self) -> list[int]:
        return [i for i, t in enumerate(self.turns) if t.is_staff]

    def first_speaker(self) -> str | None:
        return self.turns[0].speaker if self.turns else None

    def facts(self) -> dict[str, str]:
        """What rubric conditions test."""
        staff = self.staff_indexes()
        staff_kind = "none" if not staff else (
            "mixed" if len({self.turns[i].speaker for i in staff}) > 1 else self.turns[staff[0]].speaker
        )
        return {
            "direction": self.direction,
            "channel": self.channel,
            "lang": (self.lang or "").split("-")[0],
            "first_speaker": self.first_speaker() or "",
            "staff": staff_kind,
        }

    def knowledge_texts(self) -> list[str]:
        texts = [f"{d.title}\n{d.body}" for d in self.knowledge]
        for t in self.turns:
            texts.extend(t.sources)
        return texts


class ConversationError(ValueError):
    """A JSONL line that is not a conversation. The message names fields, never their values."""


def conversation_from_dict(row: Mapping[str, Any]) -> Conversation:
    turns_raw = row.get("turns")
    if not isinstance(turns_raw, list) or not turns_raw:
        raise ConversationError("`turns` must be a non-empty list")
    turns: list[Turn] = []
    for index, t in enumerate(turns_raw):
        if not isinstance(t, Mapping) or t.get("speaker") not in SPEAKERS or not isinstance(t.get("text"), str):
            raise ConversationError(f"turns[{index}] needs `speaker` in customer|bot|agent and a string `text`")
        turns.append(
            Turn(
                speaker=str(t["speaker"]),
                text=str(t["text"]),
                emotion=t.get("emotion"),
                intent=t.get("intent"),
                handoff=bool(t.get("handoff", False)),
                findings=tuple(t.get("findings") or ()),
            )
        )
    direction = row.get("direction", "inbound")
    if direction not in ("inbound", "outbound"):
        raise ConversationError("`direction` must be inbound or outbound")
    knowledge = tuple(
        KnowledgeDoc(str(k.get("doc_id", "")), str(k.get("title", "")), str(k.get("body", "")))
        for k in row.get("knowledge") or ()
        if isinstance(k, Mapping)
    )
    return Conversation(
        conversation_id=str(row.get("conversation_id", "")),
        turns=tuple(turns),
        direction=str(direction),
        channel=str(row.get("channel", "webchat")),
        lang=row.get("lang"),
        knowledge=knowledge,
        tenant_id=row.get("tenant_id"),
        company=row.get("company"),
    )
