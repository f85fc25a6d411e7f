"""The knowledge service's settings default to the chunking and BM25 the retrieval eval measures: the service
and `relaydesk eval retrieval` must index alike unless an operator sets otherwise."""

from __future__ import annotations

import pytest

from relaydesk.knowledge.chunking import ChunkingConfig
from relaydesk.knowledge.config import KnowledgeSettings
from relaydesk.knowledge.terms import Bm25Encoder


def test_when_nothing_set_then_service_chunks_and_weighs_as_the_defaults() -> None:
    settings = KnowledgeSettings()
    assert settings.chunking() == ChunkingConfig()
    assert settings.encoder() == Bm25Encoder()


def test_when_budget_set_in_environment_then_chunking_follows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELAYDESK_KNOWLEDGE_CHUNK_MAX_CHARS_UNSPACED", "300")
    assert KnowledgeSettings().chunking().budget("ja") == (300, ChunkingConfig().overlap_chars_unspaced)
