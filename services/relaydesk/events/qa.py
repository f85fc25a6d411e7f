"""Automatic QA: a conversation's score on a rubric (`qa.scored`), and a human grader's answers for the same
conversation (`qa.label`), which calibration compares with the automatic ones."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from relaydesk.events.envelope import ConversationId, Envelope, Model

QaAnswerValue = Literal["yes", "no", "na"]
QUESTION_ID_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"


class QaEvidence(Model):
    """A turn of the transcript (0-based, in the order QA read it) and a short redacted span of it."""

    turn: int = Field(ge=0)
    span: str = Field(default="", max_length=200)


class QaAnswer(Model):
    question: str = Field(pattern=QUESTION_ID_PATTERN)
    answer: QaAnswerValue
    confidence: float = Field(ge=0.0, le=1.0)
    evidence: list[QaEvidence] = Field(default_factory=list, max_length=20)


class QaScored(Envelope):
    """`qa.scored` v1: one conversation scored on one rubric version, with the evidence of every answer."""

    EVENT_TYPE: ClassVar[str] = "qa.scored"
    EVENT_VERSION: ClassVar[int] = 1
    SCHEMA: ClassVar[str] = "qa/qa_scored.v1.json"

    event_type: Literal["qa.scored"] = "qa.scored"
    event_version: Literal[1] = 1
    conversation_id: ConversationId
    rubric_name: str = Field(min_length=1, max_length=128)
    rubric_version: str = Field(min_length=1, max_length=64)
    # None when no question was answerable (every answer `na`).
    score: float | None = Field(default=None, ge=0.0, le=100.0)
    auto_failed: bool
    answers: list[QaAnswer] = Field(default_factory=list, max_length=200)
    # What closed the conversation for scoring: its state, the idle timeout, or a replay from the log.
    closed_by: Literal["state", "idle", "rescore"]
    # The transcript that was scored: its number of turns and the id of the last event it holds.
    turns: int = Field(ge=0)
    last_event_id: str = Field(min_length=1, max_length=64)
    direction: Literal["inbound", "outbound"] | None = None
    staff: Literal["bot", "agent", "mixed", "none"] | None = None


class QaLabel(Envelope):
    """`qa.label` v1: a human grader's answers for a conversation (all or some questions)."""

    EVENT_TYPE: ClassVar[str] = "qa.label"
    EVENT_VERSION: ClassVar[int] = 1
    SCHEMA: ClassVar[str] = "qa/qa_label.v1.json"

    event_type: Literal["qa.label"] = "qa.label"
    event_version: Literal[1] = 1
    conversation_id: ConversationId
    grader_id: str = Field(pattern=r"^[A-Za-z0-9._@:-]{1,128}$")
    # The rubric version the grader graded against; absent: the latest automatic score's version.
    rubric_version: str | None = Field(default=None, max_length=64)
    answers: list[QaLabelAnswer] = Field(min_length=1, max_length=200)


class QaLabelAnswer(Model):
    question: str = Field(pattern=QUESTION_ID_PATTERN)
    answer: QaAnswerValue


QaLabel.model_rebuild()
