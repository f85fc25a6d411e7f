"""bench turn's per-hop figures: the gap between a stage's finish and the next one's start, from the stage
timings a reply carries, and what the end-to-end latency leaves after the last stage."""

from __future__ import annotations

from relaydesk.bench.hops import hop_gaps

REPLY = {
    "received_at": "2026-12-02T04:00:00.000000Z",
    "stages": [
        {"stage": "guard", "latency_ms": 10.0, "at": "2026-12-02T04:00:00.015000Z"},  # started at 5 ms
        {"stage": "intent", "latency_ms": 30.0, "at": "2026-12-02T04:00:00.060000Z"},  # started at 30 ms
        {"stage": "compliance", "latency_ms": 5.0, "at": "2026-12-02T04:00:00.080000+00:00"},  # started at 75
    ],
}


def test_when_stages_carry_timings_then_each_hop_is_the_gap_between_them() -> None:
    assert hop_gaps(REPLY, end_to_end_ms=100.0) == {
        "gateway>guard": 5.0,
        "guard>intent": 15.0,
        "intent>compliance": 15.0,
        "compliance>client": 20.0,  # 100 ms end to end, 80 ms of them up to compliance's finish
    }


def test_when_no_end_to_end_latency_then_no_last_hop() -> None:
    assert "compliance>client" not in hop_gaps(REPLY)


def test_when_clocks_overlap_then_a_gap_is_never_negative() -> None:
    reply = {**REPLY, "stages": [{"stage": "guard", "latency_ms": 50.0, "at": "2026-12-02T04:00:00.010000Z"}]}
    assert hop_gaps(reply) == {"gateway>guard": 0.0}


def test_when_a_reply_has_no_stages_then_no_hops() -> None:
    assert hop_gaps({"received_at": REPLY["received_at"], "stages": []}) == {}


def test_when_stages_do_not_say_when_they_finished_then_no_hops() -> None:
    stages = [{"stage": "guard", "latency_ms": 1.0}]
    assert hop_gaps({"received_at": REPLY["received_at"], "stages": stages}, 10.0) == {}
