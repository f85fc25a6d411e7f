"""Only the sentences that answer: ranking by shared words (or the embedder's similarity), the prompt's
focused passages, and the one or two sentences the extractive answer quotes."""

from __future__ import annotations

import pytest

from relaydesk.generation.answer_sentences import focus_sources, quote, rank_sentences
from relaydesk.generation.ports import SourceSnippet

ROAMING = SourceSnippet(
    doc_id="roaming", chunk_id="roaming#0", title="Roaming in the EU", version=1,
    text="Our plans include calls and texts at home. When you travel in the EU, roaming costs nothing extra. "
         "Outside the EU, a day pass costs 5 EUR. Data abroad counts against your allowance.",
)
ESIM = SourceSnippet(
    doc_id="esim", chunk_id="esim#0", title="Switch to an eSIM", version=1,
    text="An eSIM is a digital SIM. You can replace your plastic SIM with an eSIM. Open the app and tap Switch "
         "to eSIM. The plastic SIM stops working once the eSIM is active.",
)


@pytest.mark.parametrize(
    ("question", "best"),
    [
        # the sentence holding the rare question words wins over the first one
        ("Does roaming in the EU cost extra?", "When you travel in the EU, roaming costs nothing extra."),
        # the other source's sentence
        ("Can I replace my plastic SIM with an eSIM?", "You can replace your plastic SIM with an eSIM."),
        # outside the EU: the day-pass sentence
        ("How much is a day pass outside the EU?", "Outside the EU, a day pass costs 5 EUR."),
    ],
)
def test_when_ranking_by_words_then_the_answering_sentence_comes_first(question: str, best: str) -> None:
    ranked = rank_sentences(question, [ROAMING, ESIM])
    assert ranked[0].text == best


def test_when_vectors_are_given_then_they_decide_the_order() -> None:
    # a Chinese question shares no words with English passages: the embedder's similarity ranks
    scores = [[0.70, 0.71, 0.86, 0.72], [0.70, 0.74, 0.73, 0.72]]
    ranked = rank_sentences("欧盟以外的日通行证多少钱？", [ROAMING, ESIM], scores)
    assert (ranked[0].source, ranked[0].position) == (0, 2)
    assert ranked[0].overlap == 0.0  # the lexical evidence stays lexical


def test_when_question_shares_no_words_then_retrieval_order_decides() -> None:
    ranked = rank_sentences("欧盟漫游可以用吗？", [ROAMING, ESIM])
    assert [(r.source, r.position) for r in ranked[:2]] == [(0, 0), (0, 1)]
    # a price question ("does EU roaming cost anything?"): the sentences stating a price come first
    ranked = rank_sentences("欧盟漫游收费吗？", [ROAMING, ESIM])
    assert [(r.source, r.position) for r in ranked[:2]] == [(0, 1), (0, 2)]


def test_when_focusing_then_prompt_passages_hold_only_their_best_sentences_in_order() -> None:
    ranked = rank_sentences("Does roaming in the EU cost extra?", [ROAMING, ESIM])
    focused = focus_sources([ROAMING, ESIM], ranked, max_sentences=2)
    assert focused[0].doc_id == "roaming"
    # the best sentence, the one after it, in the passage's order; the home-plans sentence is gone
    assert "roaming costs nothing extra. Outside the EU" in focused[0].text
    assert "at home" not in focused[0].text
    assert sum(len(s.text) for s in focused) < len(ROAMING.text) + len(ESIM.text)


@pytest.mark.parametrize(
    ("question", "quoted"),
    [
        # the answering sentence and the one after it
        ("Does roaming in the EU cost extra?",
         "When you travel in the EU, roaming costs nothing extra. Outside the EU, a day pass costs 5 EUR."),
        # the best sentence and the next best, which answers another part of the question (not the follower)
        ("Can I replace my plastic SIM, and when does it stop working?",
         "You can replace your plastic SIM with an eSIM. The plastic SIM stops working once the eSIM is active."),
    ],
)
def test_when_quoting_then_one_or_two_sentences_not_the_passage(question: str, quoted: str) -> None:
    ranked = rank_sentences(question, [ROAMING, ESIM])
    got = quote([ROAMING, ESIM], ranked, max_chars=280)
    assert got is not None and got[1] == quoted


def test_when_quote_is_too_long_then_cut_at_a_word() -> None:
    ranked = rank_sentences("Does roaming in the EU cost extra?", [ROAMING])
    got = quote([ROAMING], ranked, max_chars=30)
    assert got is not None and len(got[1]) <= 31 and got[1].endswith("…")


def test_when_vectors_rank_then_up_to_three_sentences_of_one_source_within_max_chars() -> None:
    # best, its follower, and a third sentence of the same source nearly as similar; never the other source
    scores = [[0.80, 0.88, 0.79, 0.86], [0.70, 0.70, 0.70, 0.70]]
    ranked = rank_sentences("how much does roaming cost", [ROAMING, ESIM], scores)
    got = quote([ROAMING, ESIM], ranked, max_chars=280)
    assert got is not None and got[0].doc_id == "roaming"
    assert got[1] == ("When you travel in the EU, roaming costs nothing extra. Outside the EU, a day pass costs "
                      "5 EUR. Data abroad counts against your allowance.")
    # at most max_sentences, and nothing beyond max_chars
    assert quote([ROAMING, ESIM], ranked, max_chars=280, max_sentences=2)[1].count(".") == 2
    short = quote([ROAMING, ESIM], ranked, max_chars=100)
    assert short is not None and short[1] == ("When you travel in the EU, roaming costs nothing extra. Outside the "
                                              "EU, a day pass costs 5 EUR.")


def test_when_a_third_sentence_is_far_from_the_question_then_it_is_left_out() -> None:
    scores = [[0.80, 0.88, 0.79, 0.75], [0.70, 0.70, 0.70, 0.70]]
    ranked = rank_sentences("how much does roaming cost", [ROAMING, ESIM], scores)
    got = quote([ROAMING, ESIM], ranked, max_chars=280)
    assert got is not None
    assert got[1] == "When you travel in the EU, roaming costs nothing extra. Outside the EU, a day pass costs 5 EUR."


def test_when_a_lower_source_is_only_slightly_closer_then_the_top_source_is_quoted() -> None:
    # retrieval put ESIM first; ROAMING's best sentence is 0.01 closer to the (word-less) question
    scores = [[0.70, 0.80, 0.70, 0.70], [0.70, 0.81, 0.70, 0.70]]
    ranked = rank_sentences("可以换吗？", [ESIM, ROAMING], scores)
    assert ranked[0].source == 1  # the closest sentence is the second source's
    source, text = quote([ESIM, ROAMING], ranked, 280) or (None, "")
    assert source is not None and source.doc_id == "esim" and text.startswith("You can replace your plastic SIM")
    # far closer: the other source's sentence wins
    scores = [[0.70, 0.80, 0.70, 0.70], [0.70, 0.95, 0.70, 0.70]]
    ranked = rank_sentences("可以换吗？", [ESIM, ROAMING], scores)
    source, text = quote([ESIM, ROAMING], ranked, 280) or (None, "")
    assert source is not None and source.doc_id == "roaming" and "roaming costs nothing extra" in text


def test_when_the_answering_sentence_is_a_list_item_then_the_quote_drops_its_marker() -> None:
    steps = SourceSnippet(doc_id="close", chunk_id="close#0", title="Close your account", version=1,
                          text="Before you close:\n- Download your statements first.\n- Move your money out.")
    ranked = rank_sentences("Should I download my statements first?", [steps])
    got = quote([steps], ranked, max_chars=280)
    assert got is not None and got[1].startswith("Download your statements first.")


LATE = SourceSnippet(
    doc_id="order-late", chunk_id="order-late#0", title="My order is late or hasn't arrived", version=1,
    text="Late order\nCheck the estimated delivery date on the order page. During sales events deliveries can take "
         "two extra days.\nMarked as delivered but not received\nCheck around your home and with neighbours.",
)


def test_when_the_best_sentence_ends_a_section_then_the_quote_does_not_run_into_the_next_heading() -> None:
    ranked = rank_sentences("my order is late during the sale, is that normal?", [LATE])
    got = quote([LATE], ranked, max_chars=280)
    assert got is not None and got[1].endswith("During sales events deliveries can take two extra days.")
    assert "Marked as delivered" not in got[1] and "Late order" not in got[1]


def test_when_a_heading_ranks_best_then_its_first_sentence_leads_the_quote() -> None:
    ranked = rank_sentences("marked as delivered but not received", [LATE])
    assert ranked[0].text == "Marked as delivered but not received"
    got = quote([LATE], ranked, max_chars=280)
    assert got is not None and got[1].startswith("Check around your home and with neighbours.")
    assert "Marked as delivered" not in got[1]


def test_when_a_passage_is_only_heading_like_lines_then_they_are_quoted() -> None:
    bare = SourceSnippet(doc_id="x", chunk_id="x#0", title="Fees", version=1, text="Monthly fee\nMonthly fee")
    got = quote([bare], rank_sentences("monthly fee", [bare]), max_chars=280)
    assert got is not None and got[1].startswith("Monthly fee")
