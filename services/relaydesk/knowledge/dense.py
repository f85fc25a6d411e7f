"""Deferred dense indexing: the contract between the knowledge core and whatever computes chunk embeddings
after the chunk is already searchable.

Why: a multilingual embedder on a small CPU costs ~0.3-1 s per full chunk, far more than the update rate a
help centre can produce in a burst. The core therefore writes each chunk at once with its text, payload and
BM25 sparse vector (searchable lexically within milliseconds), keeps the chunk's previous dense vector while
its text changes (stale by one edit rather than missing), and hands a `DenseJob` to a `DenseIndexer`, which
embeds and writes the vector with a compare-and-set on (content_hash, version): a job overtaken by a newer
version is dropped by the store, never written over it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

import numpy as np

from relaydesk.vectorstore.base import Filter, Match, Point


@dataclass(frozen=True)
class DenseJob:
    collection: str
    point: Point  # the chunk as written, without its final dense vector
    text: str  # what to embed
    content_hash: str
    submitted_at: float = field(default_factory=time.monotonic)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.collection, self.point.tenant_id, self.point.id)

    def completed(self, vector: np.ndarray) -> Point:
        payload = {**self.point.payload, "dense_hash": self.content_hash, "dense_ready": 1}
        return replace(self.point, dense=vector, payload=payload)

    def guard(self) -> Filter:
        """Write only over the very chunk version this job was made for."""
        version = int(self.point.payload["version"])
        return Filter(must=(Match("content_hash", self.content_hash), Match("version", version)))


class DenseIndexer(Protocol):
    def submit(self, jobs: Sequence[DenseJob]) -> None: ...
