"""QA over HTTP: a conversation's automatic scores with their evidence, graders' labels in, and the measured
agreement between the two per rubric version (tenant-scoped; another tenant's conversation is a 404)."""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, ConfigDict, Field

from relaydesk.common import serde
from relaydesk.common.topics import Topics
from relaydesk.events import QaLabel
from relaydesk.events.envelope import CONVERSATION_ID_PATTERN
from relaydesk.events.ids import content_id
from relaydesk.events.qa import QUESTION_ID_PATTERN, QaLabelAnswer
from relaydesk.gateway.deps import Context, Tenant

router = APIRouter(prefix="/v1", tags=["qa"])


class QaLabelIn(BaseModel):
    """A grader's answers for one conversation. The same grader grading again replaces their answers."""

    model_config = ConfigDict(extra="forbid")

    conversation_id: str = Field(pattern=CONVERSATION_ID_PATTERN)
    grader_id: str = Field(pattern=r"^[A-Za-z0-9._@:-]{1,128}$")
    rubric_version: str | None = Field(default=None, max_length=64)
    answers: dict[str, Literal["yes", "no", "na"]] = Field(min_length=1, max_length=200)
    label_id: str | None = Field(default=None, min_length=8, max_length=64)


@router.get("/conversations/{conversation_id}/qa")
async def conversation_qa(conversation_id: str, tenant: Tenant, ctx: Context) -> dict[str, Any]:
    """The latest automatic score of the conversation (answers, confidence, redacted evidence), and one line
    per rubric version it was scored under."""
    view = ctx.qa
    scores = view.scores(tenant, conversation_id) if view is not None else []
    if not scores:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no QA score for this conversation")
    latest = json.loads(serde.serialize(scores[0]))
    return {
        "conversation_id": conversation_id,
        "latest": latest,
        "versions": [
            {"rubric_version": s.rubric_version, "rubric_name": s.rubric_name, "score": s.score,
             "auto_failed": s.auto_failed, "closed_by": s.closed_by, "scored_at": s.occurred_at.isoformat()}
            for s in scores
        ],
    }


@router.post("/qa/labels", status_code=status.HTTP_202_ACCEPTED)
async def post_label(body: QaLabelIn, tenant: Tenant, ctx: Context) -> dict[str, Any]:
    """A human grader's answers, as a `qa.label` event; agreement with the automatic answers follows."""
    bad = [q for q in body.answers if not re.fullmatch(QUESTION_ID_PATTERN, q)]
    if bad:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=f"{len(bad)} invalid question id(s)")
    answers = [QaLabelAnswer(question=q, answer=a) for q, a in sorted(body.answers.items())]
    event_id = body.label_id or content_id(
        "qa.label", tenant, body.conversation_id, body.grader_id, body.rubric_version or "",
        json.dumps(sorted(body.answers.items())),
    )
    label = QaLabel(
        event_id=event_id, tenant_id=tenant, conversation_id=body.conversation_id, grader_id=body.grader_id,
        rubric_version=body.rubric_version, answers=answers,
    )
    await ctx.producer.send(Topics.QA_LABELS, serde.serialize(label), key=body.conversation_id.encode())
    return {"event_id": event_id, "conversation_id": body.conversation_id}


@router.get("/qa/agreement")
async def agreement(tenant: Tenant, ctx: Context) -> dict[str, Any]:
    """Cohen's kappa per question and auto-fail precision/recall per rubric version, over this tenant's labels."""
    view = ctx.qa
    return {"tenant_id": tenant, "rubric_versions": view.agreement(tenant) if view is not None else {}}
