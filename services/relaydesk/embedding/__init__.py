"""Text embedders behind one interface. Every stage that embeds (intent, emotion, knowledge, retrieval,
the semantic cache) takes an `Embedder`, so production can point at a larger model by config."""

from relaydesk.embedding.base import Embedder, EmbedderSpec
from relaydesk.embedding.factory import build_embedder

__all__ = ["Embedder", "EmbedderSpec", "build_embedder"]
