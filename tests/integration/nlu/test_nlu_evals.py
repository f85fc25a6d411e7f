"""The eval commands' logic on the shipped sets with the real model. The floors are the figures reached when
the design was frozen (docs/nlu.md), less a small margin: a regression fails here."""

from __future__ import annotations

from pathlib import Path

import pytest

from relaydesk.embedding.base import Embedder
from relaydesk.emotion.bootstrap import build_deps as emotion_deps
from relaydesk.emotion.config import EmotionSettings
from relaydesk.emotion.evaluation import evaluate_emotions, read_kinds
from relaydesk.intent.adapters.embedder import build_encoder
from relaydesk.intent.catalogue import load_background
from relaydesk.intent.evaluation import definitions_from_rows, evaluate_intents
from relaydesk.nlu.jsonl import read_labelled

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def intent_result(real_embedder: Embedder) -> dict:
    encoder = build_encoder(real_embedder, glossary=True, glossary_path=None, max_chars=300)
    definitions = definitions_from_rows(read_labelled(ROOT / "evals/intent/train.jsonl"))
    test = read_labelled(ROOT / "evals/intent/test.jsonl")
    return evaluate_intents(definitions, test, encoder, encoder.encode(list(load_background())))


@pytest.fixture(scope="module")
def emotion_result(real_embedder: Embedder) -> dict:
    deps = emotion_deps(EmotionSettings(), embedder=real_embedder)
    path = ROOT / "evals/emotion/test.jsonl"
    return evaluate_emotions(read_labelled(path), read_kinds(path), deps)


def test_when_five_english_examples_per_intent_then_test_scores_hold(intent_result: dict) -> None:
    assert intent_result["n"] == 552
    assert intent_result["macro_f1"] >= 0.92
    assert intent_result["macro_f1"] >= intent_result["baseline_macro_f1"] + 0.06
    assert intent_result["out_of_scope"]["recall"] >= 0.9
    assert intent_result["out_of_scope"]["in_scope_rejected"] <= 0.03
    assert intent_result["ece"] <= 0.09


@pytest.mark.parametrize(
    ("lang", "floor"),
    [
        ("en", 0.92),  # reached 0.935
        ("zh", 0.92),  # reached 0.932, from English examples only
        ("ja", 0.92),  # reached 0.934
        ("id", 0.89),  # reached 0.906
    ],
)
def test_when_intent_scored_per_language_then_floor_holds(intent_result: dict, lang: str, floor: float) -> None:
    row = intent_result["per_lang"][lang]
    assert row["macro_f1"] >= floor
    assert row["macro_f1"] > row["baseline_macro_f1"]


def test_when_emotion_test_set_scored_then_scores_hold(emotion_result: dict) -> None:
    assert emotion_result["n"] == 308
    assert emotion_result["macro_f1"] >= 0.92
    assert emotion_result["macro_f1"] >= emotion_result["baseline_macro_f1"] + 0.15
    assert emotion_result["sentiment_sign_accuracy"] >= 0.94
    assert emotion_result["ece"] <= 0.05


@pytest.mark.parametrize(
    ("lang", "floor"),
    [
        ("en", 0.92),  # reached 0.934
        ("zh", 0.93),  # reached 0.948
        ("ja", 0.88),  # reached 0.897
        ("id", 0.93),  # reached 0.949
    ],
)
def test_when_emotion_scored_per_language_then_floor_holds(emotion_result: dict, lang: str, floor: float) -> None:
    row = emotion_result["per_lang"][lang]
    assert row["macro_f1"] >= floor and row["macro_f1"] > row["baseline_macro_f1"]


@pytest.mark.parametrize(
    ("kind", "floor"),
    [
        ("plain", 0.95),  # reached 0.971 accuracy
        ("short", 0.96),  # reached 0.988
        ("understatement", 0.81),  # reached 0.850
        ("sarcasm", 0.66),  # reached 0.708 (24 turns): the weak spot
    ],
)
def test_when_emotion_scored_per_kind_then_accuracy_floor_holds(emotion_result: dict, kind: str, floor: float) -> None:
    assert emotion_result["per_kind"][kind]["accuracy"] >= floor
