"""A table row quoted as a sentence, with its column names."""

from __future__ import annotations

from relaydesk.generation.answer_sentences import quote, rank_sentences
from relaydesk.generation.ports import SourceSnippet
from relaydesk.generation.tables import find_tables, row_sentence

PLANS = (
    "Plans and fees\n| | Basic | Plus | Premium |\n|---|---|---|---|\n| Monthly fee | free | 4.99 EUR | 12.99 EUR |\n"
    "| Virtual cards | 1 | 5 | 5 |\nUpgrade at any time under Profile > Plan."
)


def test_when_a_passage_holds_a_table_then_its_rows_are_sentences_and_its_frame_is_known() -> None:
    tables = find_tables(PLANS)
    assert tables.rows == {
        "| Monthly fee | free | 4.99 EUR | 12.99 EUR |": "Monthly fee: Basic free, Plus 4.99 EUR, Premium 12.99 EUR.",
        "| Virtual cards | 1 | 5 | 5 |": "Virtual cards: Basic 1, Plus 5, Premium 5.",
    }
    assert tables.frame == {"| | Basic | Plus | Premium |", "|---|---|---|---|"}


def test_when_lines_start_with_a_bar_but_have_no_separator_then_they_are_no_table() -> None:
    assert find_tables("| not a table |\n| either |") == find_tables("")


def test_when_a_row_has_more_cells_than_names_then_the_rest_are_said_alone() -> None:
    assert row_sentence(["Limit", "Default"], ["Cash", "500 EUR", "1,000 EUR"]) == "Cash: Default 500 EUR, 1,000 EUR."
    assert row_sentence(["Limit"], ["Cash"]) == "Cash."


def test_when_a_row_answers_then_the_quote_says_it_with_its_columns_and_never_the_header() -> None:
    source = SourceSnippet(doc_id="plans", chunk_id="plans#0", title="Plans and monthly fees", version=1, text=PLANS)
    ranked = rank_sentences("how much is the monthly fee on Premium?", [source])
    got = quote([source], ranked, max_chars=280)
    assert got is not None
    assert got[1].startswith("Monthly fee: Basic free, Plus 4.99 EUR, Premium 12.99 EUR.")
    assert "|" not in got[1] and "Virtual cards" not in got[1]
