from __future__ import annotations

import pytest

from unit.nlu.nlu_fakes import HashingEmbedder


@pytest.fixture
def embedder() -> HashingEmbedder:
    return HashingEmbedder()
