"""`relaydesk bench idle` waits, by default, past the work a stack still does after its last turn."""

from __future__ import annotations

import argparse

import pytest

from relaydesk.cli import bench_idle


def test_the_default_settle_outlasts_qa_idle_scoring_and_the_consumers_idle_switch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RELAYDESK_QA_IDLE_TIMEOUT_S", "50")
    monkeypatch.setenv("RELAYDESK_QA_CLOSE_GRACE_S", "3")
    monkeypatch.setenv("RELAYDESK_KAFKA_IDLE_AFTER_S", "7")
    assert bench_idle.settle_default() == pytest.approx(50 + 3 + 7 + 10)


def test_when_settle_is_not_given_then_it_is_left_to_the_default() -> None:
    parser = argparse.ArgumentParser()
    bench_idle.add_arguments(parser)
    assert parser.parse_args([]).settle is None
    assert parser.parse_args(["--settle", "5"]).settle == 5.0
