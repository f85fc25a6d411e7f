"""The safe answers: extractive passages, hand-off texts, priorities and summaries."""

from __future__ import annotations

import pytest

from relaydesk.events import EmotionAnnotation, IntentAnnotation
from relaydesk.generation.fallback import extractive_answer, handoff_priority, handoff_summary, handoff_text
from relaydesk.generation.ports import HistoryTurn, SourceSnippet

CARDS = SourceSnippet(
    doc_id="card-lost", chunk_id="card-lost#0", title="Lost or stolen cards", version=1,
    text="Cards can be used worldwide. If your card is lost or stolen, freeze it in the app under Cards. "
         "Then call 0800 123 456 to order a replacement. Replacements arrive within 3 days.",
)
FEES = SourceSnippet(doc_id="fees", chunk_id="fees#0", title="Fees", version=1,
                     text="A replacement card costs 5 EUR. Express delivery costs 15 EUR.")


@pytest.mark.parametrize(
    ("question", "lang", "doc", "text"),
    [
        # the best-matching sentence alone: the others add nothing the question asked about
        ("My card was stolen, what do I do?", "en", "card-lost",
         "If your card is lost or stolen, freeze it in the app under Cards."),
        # the second source shares more words with the question: its one sentence that answers
        ("How much does a replacement card cost?", "en", "fees", "A replacement card costs 5 EUR."),
        # another language: retrieval order decides, and a word in the customer's language says where from
        ("Kartu saya hilang", "id", "card-lost", "Dari pusat bantuan kami: Cards can be used worldwide."),
    ],
)
def test_when_extracting_then_the_sentences_that_answer_are_quoted(
    question: str, lang: str, doc: str, text: str
) -> None:
    extract = extractive_answer(question, [CARDS, FEES], max_chars=280, lang=lang)
    assert extract is not None and extract.source.doc_id == doc
    assert extract.text.startswith(text)
    assert "help centre says" not in extract.text and len(extract.text) < 300


def test_when_passage_is_long_then_it_is_cut_at_max_chars() -> None:
    extract = extractive_answer("stolen card", [CARDS], max_chars=100, lang="en")
    assert extract is not None and len(extract.passage) <= 101


def test_when_question_is_untrusted_then_its_words_do_not_steer_the_choice() -> None:
    extract = extractive_answer("replacement card cost", [CARDS, FEES], 480, "en", trust_question=False)
    assert extract is not None and extract.source.doc_id == "card-lost"


def test_when_no_sources_then_no_extract() -> None:
    assert extractive_answer("anything", [], 480, "en") is None


@pytest.mark.parametrize(
    ("lang", "fragment"),
    [("en", "member of our team"), ("zh", "人工客服"), ("ja", "担当者"), ("id", "tim kami"), ("fr", "member")],
)
def test_when_handing_off_then_text_is_in_the_customers_language(lang: str, fragment: str) -> None:
    assert fragment in handoff_text("customer_request", lang)


@pytest.mark.parametrize(
    ("reason", "label", "escalate", "sentiment", "priority"),
    [
        # escalation in anger is urgent
        ("escalation", "anger", True, -0.8, "urgent"),
        # other escalations are high
        ("escalation", "fear", True, -0.5, "high"),
        # a very unhappy customer asking for a person
        ("customer_request", "sadness", False, -0.7, "high"),
        # a calm request
        ("customer_request", "neutral", False, 0.1, "normal"),
        # nothing to answer from
        ("no_knowledge", "neutral", False, 0.0, "normal"),
    ],
)
def test_when_handoff_then_priority_follows_reason_and_emotion(
    reason: str, label: str, escalate: bool, sentiment: float, priority: str
) -> None:
    emotion = EmotionAnnotation(label=label, escalate=escalate, sentiment=sentiment)  # type: ignore[arg-type]
    assert handoff_priority(reason, emotion) == priority  # type: ignore[arg-type]


def test_when_summarising_then_reason_intent_emotion_and_recent_questions_are_listed() -> None:
    history = [HistoryTurn(turn_id="t1", role="customer", text="Where is my parcel?"),
               HistoryTurn(turn_id="t1", role="assistant", text="It ships tomorrow.")]
    summary = handoff_summary(
        "escalation", "This is the third time I ask!", history,
        IntentAnnotation(label="order_status", confidence=0.8),
        EmotionAnnotation(label="anger", sentiment=-0.7, escalate=True),
    )
    assert summary.splitlines() == [
        "Escalated on the customer's emotion.",
        "Intent: order_status (0.80).",
        "Emotion: anger, sentiment -0.70, escalating.",
        "Customer turns so far: 2.",
        "Latest message: This is the third time I ask!",
        "Earlier: Where is my parcel?",
    ]
