"""`relaydesk up` a second time in the same home: what the local stack keeps, and that it answers again.
It ends the shared e2e stack, so it runs last; each stop must leave no process behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from stack_helpers import (
    WARP_DOC,
    RunningStack,
    add_tenant_with_document,
    assert_nothing_left,
    search_for,
    start_stack,
    stop_stack,
)


@pytest.mark.ends_stack
def test_when_restarted_in_same_home_then_keys_and_knowledge_kept_and_turns_answered(
    stack: RunningStack, tmp_path: Path
) -> None:
    tenant, key = add_tenant_with_document(stack, tmp_path)
    assert search_for(stack, tenant, "zorbulon warranty", WARP_DOC)
    stop_stack(stack)
    assert stack.proc.returncode == 0
    assert_nothing_left(stack)

    again = start_stack(stack.home)
    try:
        assert again.info["api_key"] == stack.info["api_key"]  # the demo tenant keeps its key
        # other e2e tests on the shared stack add tenants of their own; these two must keep their keys
        assert again.state["tenants"]["demo"] == stack.info["api_key"] and again.state["tenants"][tenant] == key
        known = again.cli_json("tenant", "add", tenant)
        assert known["exists"] is True and known["api_key"] == key
        # the knowledge index is on disk: found without pushing again
        assert search_for(again, tenant, "zorbulon warranty", WARP_DOC, deadline_s=5)
        reply = again.cli_json("chat", "--tenant", "demo", "I lost my credit card yesterday, can you block it?")
        assert reply["reply"]["text"] and reply["compliance"]["verdict"] in ("pass", "redacted")
        assert reply["intent"]["label"] == "lost_or_stolen_card"
        assert "card-lost-stolen" in [s["doc_id"] for s in reply["sources"]]
    finally:
        stop_stack(again)
    assert again.proc.returncode == 0
    assert_nothing_left(again)
