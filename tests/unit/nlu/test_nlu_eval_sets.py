"""The shipped evaluation sets are what the issue asks for, and share nothing with what the models are
built from (the intent catalogue and train file, the off-topic background set, the emotion training data)."""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

from relaydesk.emotion.training import training_data_path
from relaydesk.events.annotations import EMOTION_LABELS
from relaydesk.intent.catalogue import load_background, load_catalogue

ROOT = Path(__file__).resolve().parents[3]
LANGS = {"en", "zh", "ja", "id"}


def _key(text: str) -> str:
    """Case, width, spacing and punctuation do not make two utterances different."""
    return re.sub(r"[\s!-/:-@\[-`{-~。！？、，…・「」“”]+", "", unicodedata.normalize("NFKC", text).casefold())


def _rows(relative: str) -> list[dict[str, str]]:
    path = ROOT / relative
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _intent_training_keys() -> set[str]:
    keys = {_key(e) for d in load_catalogue() for e in d.examples}
    keys |= {_key(t) for t in load_background()}
    return keys | {_key(r["text"]) for r in _rows("evals/intent/train.jsonl")}


def test_when_intent_test_set_then_size_labels_and_languages_as_required() -> None:
    rows = _rows("evals/intent/test.jsonl")
    labels = Counter(r["label"] for r in rows)
    assert len(rows) >= 400
    assert len([lab for lab in labels if lab != "out_of_scope"]) >= 12
    assert {r["lang"] for r in rows} == LANGS
    assert {r["label"] for r in rows} - {"out_of_scope"} <= {d.name for d in load_catalogue()}
    short = {r["text"] for r in rows if len(r["text"]) <= 6}
    assert {"agent", "stop"} <= {t.casefold() for t in short}  # very short messages are in


@pytest.mark.parametrize("name", ["test", "dev"])
def test_when_intent_eval_set_then_disjoint_from_training(name: str) -> None:
    rows = _rows(f"evals/intent/{name}.jsonl")
    keys = [_key(r["text"]) for r in rows]
    assert not set(keys) & _intent_training_keys()
    assert len(keys) == len(set(keys))


def test_when_intent_dev_and_test_then_disjoint() -> None:
    dev = {_key(r["text"]) for r in _rows("evals/intent/dev.jsonl")}
    assert not dev & {_key(r["text"]) for r in _rows("evals/intent/test.jsonl")}


def test_when_intent_train_file_then_five_english_examples_per_intent() -> None:
    rows = _rows("evals/intent/train.jsonl")
    per_label = Counter(r["label"] for r in rows)
    assert set(per_label.values()) == {5} and {r["lang"] for r in rows} == {"en"}


def test_when_emotion_test_set_then_size_labels_languages_and_kinds() -> None:
    rows = _rows("evals/emotion/test.jsonl")
    assert len(rows) >= 250
    assert {r["label"] for r in rows} == set(EMOTION_LABELS)
    assert {r["lang"] for r in rows} == LANGS
    assert {"sarcasm", "understatement", "short"} <= {r["kind"] for r in rows}


def test_when_emotion_test_set_then_disjoint_from_training_data() -> None:
    test = [_key(r["text"]) for r in _rows("evals/emotion/test.jsonl")]
    train_path = training_data_path()
    train = {_key(json.loads(line)["text"]) for line in train_path.read_text(encoding="utf-8").splitlines() if line}
    assert not set(test) & train
    assert len(test) == len(set(test))
