"""How a drill counts: a turn answered once, twice, or not at all; hop repeats; counters from /metrics."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, generate_latest

from relaydesk.cli.gateway_client import GatewayClient
from relaydesk.drill.hops import turn_of
from relaydesk.drill.scrape import delta, parse_counters
from relaydesk.drill.traffic import Traffic


def _traffic(turns: int) -> Traffic:
    traffic = Traffic(GatewayClient("http://127.0.0.1:9", "k"), turns=turns, concurrency=2, run_id="r1")
    for record in traffic.records:
        record.sent_at = 0.0
    return traffic


def _reply(turn_id: str, reply_id: str, mode: str = "generated") -> dict:
    return {"kind": "reply", "data": {"turn_id": turn_id, "reply_id": reply_id,
                                      "reply": {"mode": mode, "handoff": False},
                                      "compliance": {"verdict": "pass"}}}


def test_when_each_turn_gets_one_reply_then_nothing_lost_or_duplicated() -> None:
    traffic = _traffic(3)
    for record in traffic.records:
        traffic._take(record, {"kind": "partial", "data": {"turn_id": record.turn_id, "delta": "x"}})
        traffic._take(record, _reply(record.turn_id, f"r-{record.index}"))
    summary = traffic.summary()
    assert (summary["turns_sent"], summary["answered"], summary["lost"], summary["duplicated"]) == (3, 3, 0, 0)
    assert summary["answer_modes"] == {"generated": 3} and traffic.all_answered()


def test_when_a_turn_is_answered_twice_or_never_then_both_are_reported() -> None:
    traffic = _traffic(3)
    first, second, third = traffic.records
    traffic._take(first, _reply(first.turn_id, "r-0"))
    traffic._take(first, _reply(first.turn_id, "r-0"))  # the same reply shown twice
    traffic._take(second, _reply(second.turn_id, "r-1", mode="extractive"))
    traffic._take(second, _reply("t-someone-else", "r-x"))  # another turn's reply is not this turn's answer
    summary = traffic.summary()
    assert summary["lost"] == 1 and summary["lost_turn_ids"] == [third.turn_id]
    assert summary["duplicated"] == 1 and summary["reply_ids_seen_twice"] == 1
    assert summary["answer_modes"] == {"extractive": 1, "generated": 1}
    assert traffic.in_flight() == 1 and not traffic.all_answered()


def test_when_reading_a_hop_record_then_the_turn_id_is_found_where_each_event_keeps_it() -> None:
    assert turn_of({"turn": {"turn_id": "t-1"}}) == "t-1"  # annotated turns
    assert turn_of({"turn_id": "t-2", "reply_id": "r"}) == "t-2"  # drafts, replies, hand-offs
    assert turn_of({"event_id": "e"}) is None


def test_when_metrics_are_scraped_twice_then_the_delta_is_what_the_drill_caused() -> None:
    registry = CollectorRegistry()
    fallbacks = Counter("relaydesk_fallbacks", "f", ["stage", "kind"], registry=registry)
    Counter("relaydesk_other", "o", registry=registry).inc(5)
    fallbacks.labels("generation", "timeout").inc(2)
    before = parse_counters(generate_latest(registry).decode())
    fallbacks.labels("generation", "timeout").inc(3)
    fallbacks.labels("retrieval", "store_unavailable").inc(4)
    after = parse_counters(generate_latest(registry).decode())
    assert before == {"relaydesk_fallbacks{generation,timeout}": 2.0}
    assert delta(before, after) == {
        "relaydesk_fallbacks{generation,timeout}": 3.0,
        "relaydesk_fallbacks{retrieval,store_unavailable}": 4.0,
    }


def test_when_the_stack_runs_intent_and_emotion_in_one_process_then_a_drill_kills_that_process() -> None:
    from relaydesk.drill.stack_view import service_name

    combined = {"gateway": 1, "worker-guard": 2, "worker-nlu": 3, "worker-compliance": 4}
    split = {"gateway": 1, "worker-intent": 2, "worker-emotion": 3}
    assert service_name("intent", combined) == service_name("emotion", combined) == "worker-nlu"
    assert service_name("intent", split) == "worker-intent" and service_name("emotion", split) == "worker-emotion"
    assert service_name("compliance", combined) == "worker-compliance"
    assert service_name("gateway", combined) == "gateway"
    assert service_name("guard") == "worker-guard"
    front = {"gateway": 1, "worker-guard-nlu": 2, "worker-compliance": 4}
    assert service_name("guard", front) == service_name("intent", front) == service_name("emotion", front)
    assert service_name("guard", front) == "worker-guard-nlu"
    assert service_name("guard", combined) == "worker-guard"
