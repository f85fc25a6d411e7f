"""What one question produced in the reply eval: the upstream stages' timings and each arm's final reply."""

from __future__ import annotations

from dataclasses import dataclass, field

from relaydesk.evaluation.questions import ReplyQuestion

UPSTREAM = ("guard", "intent", "emotion", "retrieval")
SYSTEM, BASELINE = "system", "baseline"


@dataclass(frozen=True)
class ArmReply:
    """One arm's final reply, as compliance let it out, with how the generation core reached it."""

    text: str
    mode: str
    fallback_reason: str | None
    verdict: str
    handoff: bool
    sources_used: tuple[str, ...]
    generation_ms: float
    compliance_ms: float


@dataclass
class Outcome:
    question: ReplyQuestion
    upstream_ms: dict[str, float]
    top_doc: str | None
    intent_label: str | None
    intent_out_of_scope: bool
    arms: dict[str, ArmReply] = field(default_factory=dict)

    def total_ms(self, arm: str) -> float:
        reply = self.arms[arm]
        return sum(self.upstream_ms.values()) + reply.generation_ms + reply.compliance_ms
