"""Retrieval units of a document (relaydesk.knowledge.units): title, headings and sentences."""

from __future__ import annotations

import pytest

from relaydesk.knowledge.chunking import ChunkingConfig, chunk_document, headings
from relaydesk.knowledge.units import document_units, sentences, unit_embed_text

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Block it. Then call us!", ["Block it.", "Then call us!"]),  # spaced sentence ends
        ("进入商城。选择商品并点击退货！", ["进入商城。", "选择商品并点击退货！"]),  # CJK ends, no spaces
        ("- Move money out.\n- Cancel debits", ["Move money out.", "Cancel debits"]),  # list items, bullets gone
        ("A\n\nok", ["ok"]),  # one character is not a unit
    ],
)
def test_when_text_is_split_then_sentences(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_when_a_document_has_sections_then_title_headings_and_sentences_are_units() -> None:
    body = "Closing is free.\n\n## How to close\n\nTap Profile. Then Close account.\n\n## Records\n\nWe keep them."
    chunks = chunk_document("Close your account", body, "en", ChunkingConfig())
    units = document_units("Close your account", chunks, headings("Close your account", body))
    assert [(u.kind, u.text) for u in units] == [
        ("title", "Close your account"),
        ("sentence", "Closing is free."),
        ("heading", "How to close"),
        ("sentence", "Tap Profile."),
        ("sentence", "Then Close account."),
        ("heading", "Records"),
        ("sentence", "We keep them."),
    ]
    assert [u.no for u in units] == list(range(len(units)))
    assert units[1].embed == "Close your account: Closing is free."  # a sentence keeps its topic


def test_when_chunks_overlap_then_a_repeated_sentence_is_one_unit() -> None:
    body = " ".join(f"Sentence number {i} is here." for i in range(40))
    chunks = chunk_document("T", body, "en", ChunkingConfig(max_chars=200, overlap_chars=60))
    assert len(chunks) > 1
    units = document_units("T", chunks)
    texts = [u.text for u in units if u.kind == "sentence"]
    assert len(texts) == len(set(texts)) == 40


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("sentence", "Refunds: Five days."), ("title", "Five days."), ("heading", "Five days.")],
)
def test_when_a_unit_is_rebuilt_from_its_payload_then_the_embedded_text_matches(kind: str, expected: str) -> None:
    assert unit_embed_text(kind, "Refunds", "Five days.") == expected
