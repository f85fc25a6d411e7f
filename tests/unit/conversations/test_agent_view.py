"""The gateway's view of the human side: newest state wins, suggestions never go back to a smaller set, the
queue is ordered by priority then waiting time, and one tenant never sees another's conversations."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from relaydesk.common.settings import KafkaSettings
from relaydesk.events import AssistSuggestions, ConversationState, Suggestion
from relaydesk.gateway.agent_view import AgentView
from unit.conversations.builders import NOW, customer_turn


class NoProducer:
    def close(self) -> None:
        pass


def view() -> AgentView:
    return AgentView(KafkaSettings(bootstrap="127.0.0.1:9"), asyncio.new_event_loop(), producer=NoProducer())  # type: ignore[arg-type]


def state(conv: str, name: str, revision: int, tenant: str = "acme", priority: str = "normal",
          waited_s: int = 0, agent: str | None = None) -> ConversationState:
    return ConversationState(tenant_id=tenant, conversation_id=conv, state=name, revision=revision,  # type: ignore[arg-type]
                             priority=priority, waiting_since=NOW - timedelta(seconds=waited_s), agent_id=agent,  # type: ignore[arg-type]
                             reason="customer_request", summary="asked for a person")


def test_when_states_arrive_out_of_order_then_newest_revision_wins() -> None:
    v = view()
    v._apply(state("c-1", "with_agent", 3, agent="ana"))
    v._apply(state("c-1", "queued", 2))
    conv = v.get("acme", "c-1")
    assert conv is not None and conv.state_name == "with_agent" and conv.holder == "ana"


def test_when_queue_listed_then_priority_first_then_longest_waiting_and_tenant_scoped() -> None:
    v = view()
    v._apply(state("c-normal-old", "queued", 1, waited_s=300))
    v._apply(state("c-urgent", "queued", 1, priority="urgent", waited_s=5))
    v._apply(state("c-normal-new", "queued", 1, waited_s=10))
    v._apply(state("c-held", "with_agent", 2, agent="bob", waited_s=1))
    v._apply(state("c-bot", "bot", 4))
    v._apply(state("c-other", "queued", 1, tenant="globex", priority="urgent"))
    ids = [i["conversation_id"] for i in v.queue("acme")]
    assert ids == ["c-urgent", "c-normal-old", "c-normal-new", "c-held"]
    assert [i["claimed_by"] for i in v.queue("acme")][-1] == "bob"
    assert [i["conversation_id"] for i in v.queue("globex")] == ["c-other"]
    assert v.get("globex", "c-urgent") is None


def test_when_quick_then_full_then_quick_again_then_full_set_stays() -> None:
    v = view()
    cards = [Suggestion(text="passage", kind="card")]
    quick = AssistSuggestions(tenant_id="acme", conversation_id="c-1", turn_id="t-2", received_at=NOW, items=cards)
    full = quick.model_copy(update={"items": [Suggestion(text="draft", kind="draft"), *cards]})
    v._apply(customer_turn("t-2"))
    v._apply(full)
    v._apply(quick)  # a late quick set must not replace the model's draft
    conv = v.get("acme", "c-1")
    assert conv is not None and conv.suggestions is not None and len(conv.suggestions.items) == 2
    assert conv.latest_customer_turn == "t-2"


def test_when_turn_redelivered_then_transcript_keeps_one_entry() -> None:
    v = view()
    v._apply(customer_turn("t-2"))
    v._apply(customer_turn("t-2"))
    conv = v.get("acme", "c-1")
    assert conv is not None and [e["turn_id"] for e in conv.transcript] == ["t-2"]
    assert conv.transcript[0]["annotations"]["intent"]["label"] == "refund_status"
