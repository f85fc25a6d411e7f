from __future__ import annotations

import pytest

from relaydesk.knowledge.chunking import ChunkingConfig, chunk_document

pytestmark = pytest.mark.unit

SMALL = ChunkingConfig(max_chars=200, overlap_chars=60, max_chars_unspaced=80, overlap_chars_unspaced=20)


def test_when_sections_are_small_then_they_share_a_chunk_with_their_headings() -> None:
    body = "## Block\nTap Cards then Block.\n\n## Replace\nA new card arrives in 3 days."
    [chunk] = chunk_document("Lost card", body, "en", SMALL)
    assert chunk.text == "Block\nTap Cards then Block.\nReplace\nA new card arrives in 3 days."
    assert chunk.heading == "Block"


def test_when_body_repeats_title_heading_then_it_is_not_a_section() -> None:
    [chunk] = chunk_document("Lost card", "# Lost card\nBlock it in the app.", "en", SMALL)
    assert chunk.text == "Block it in the app."


def test_when_section_is_too_big_then_split_at_paragraphs_with_heading_repeated() -> None:
    paragraphs = [f"Paragraph {i} says something useful about cards and fees." for i in range(8)]
    body = "## Fees\n" + "\n\n".join(paragraphs)
    chunks = chunk_document("Fee schedule", body, "en", SMALL)
    assert len(chunks) > 1
    assert all(c.text.startswith("Fees\n") for c in chunks)
    assert all(len(c.text) <= SMALL.max_chars * SMALL.stretch for c in chunks)
    joined = "\n".join(c.text for c in chunks)
    assert all(p in joined for p in paragraphs)  # nothing lost


def test_when_split_then_next_chunk_repeats_the_last_sentence() -> None:
    body = "## S\n" + "\n\n".join(f"Sentence number {i} is here. Tail fact {i} matters." for i in range(6))
    chunks = chunk_document("T", body, "en", SMALL)
    first_tail = chunks[0].text.splitlines()[-1].split(". ")[-1]
    assert first_tail in chunks[1].text


@pytest.mark.parametrize(
    ("lang", "budget"),
    [
        ("zh", SMALL.max_chars_unspaced),  # no spaces: character budget is smaller
        ("ja", SMALL.max_chars_unspaced),
        ("en", SMALL.max_chars),
    ],
)
def test_when_language_has_no_spaces_then_smaller_windows(lang: str, budget: int) -> None:
    text = "如果您的银行卡丢失或被盗请立即在应用中冻结卡片冻结后所有新的交易都会被拒绝" * 4
    if lang == "en":
        text = " ".join(["word"] * 120)
    chunks = chunk_document("T", text, lang, SMALL)
    assert all(len(c.text) <= budget * SMALL.stretch for c in chunks)
    assert len(chunks) >= 2


def test_when_tiny_trailing_section_then_merged_into_neighbour() -> None:
    big = "## Main\n" + " ".join(["fact"] * 37)  # 190 chars: no room left for the next section
    chunks = chunk_document("T", big + "\n\n## Note\nShort enough to merge.", "en", SMALL)
    assert chunks[-1].text.endswith("Note\nShort enough to merge.")
    assert len(chunks) == 1


def test_when_markdown_links_and_emphasis_then_plain_text() -> None:
    [chunk] = chunk_document("T", "Go to **Cards** or see [help](https://x.test/help).", "en", SMALL)
    assert chunk.text == "Go to Cards or see help."


def test_when_embedding_text_then_title_prefixed_once() -> None:
    [chunk] = chunk_document("Lost card", "Block it.", "en", SMALL)
    assert chunk.embed_text("Lost card") == "Lost card\nBlock it."


def test_when_list_items_then_kept_on_their_own_lines() -> None:
    [chunk] = chunk_document("T", "1. Open the app.\n2. Tap Cards.", "en", SMALL)
    assert chunk.text == "1. Open the app.\n2. Tap Cards."


def test_when_a_table_then_each_row_keeps_its_line() -> None:
    body = "| Limit | Default |\n|---|---|\n| Card payments | 2,500 EUR |\n| Cash withdrawals | 500 EUR |"
    [chunk] = chunk_document("T", body, "en", SMALL)
    assert chunk.text.split("\n") == body.split("\n")
