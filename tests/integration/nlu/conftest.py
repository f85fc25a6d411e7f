"""One real embedder per session, the intent stage's default (multilingual-e5-small on CTranslate2), behind
the query cache, shared by the NLU integration tests so no text is embedded twice."""

from __future__ import annotations

import pytest

from relaydesk.embedding.base import Embedder
from relaydesk.intent.adapters.embedder import build_stage_embedder
from relaydesk.intent.config import IntentSettings


@pytest.fixture(scope="session")
def real_embedder() -> Embedder:
    settings = IntentSettings()
    return build_stage_embedder(settings.embedder_backend, settings.embedder_model, threads=2, cache_size=20_000)
