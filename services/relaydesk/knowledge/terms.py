"""Terms for lexical (BM25) matching in every language relaydesk serves, and BM25 sparse vectors.

Spaced scripts split into words (lower-cased, NFKC, a few function words dropped, plural -s folded).
Chinese and Japanese have no spaces, so runs of CJK characters become overlapping character bigrams (the
classic CJK analyzer). Terms are hashed to 31-bit indices, so the vocabulary is open and needs no state.

Sparse vectors carry BM25's term-frequency part; the store applies IDF at query time (Qdrant's `idf`
modifier), so document vectors never need recomputing when the collection grows.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from relaydesk.knowledge.langs import is_unspaced, words
from relaydesk.vectorstore.base import SparseVector

_PLACEHOLDER = re.compile(r"<[A-Z][A-Z0-9_]*>")
_RUN = re.compile(
    r"(?P<cjk>[\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]+)"
    r"|(?P<word>[0-9a-z\u00c0-\u024f]+(?:['’][a-z]+)?)"
)
STOPWORDS = words(
    # English
    "a an the and or but if of to in on at by for with from as is are was were be been am do does did "
    "i me my we our you your it its this that these those there here what which who how can could would "
    "should will shall may might must have has had not no so than then too very just about into over "
    "please hi hello thanks thank "
    # Indonesian
    "yang dan di ke dari untuk dengan ini itu saya aku anda kamu kami kita ada akan atau juga pada "
    "adalah bisa dapat sudah belum tidak apa bagaimana kenapa mengapa tolong mohon halo terima kasih "
    "agar karena jika kalau nya lah pun"
)


def strip_placeholders(text: str) -> str:
    """Redaction placeholders (`<CREDIT_CARD>`) say what was removed, not what was asked about."""
    return _PLACEHOLDER.sub(" ", text)


def tokenize(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", strip_placeholders(text)).lower()
    out: list[str] = []
    for match in _RUN.finditer(text):
        cjk = match.group("cjk")
        if cjk is not None:
            out.extend([cjk] if len(cjk) == 1 else [cjk[i : i + 2] for i in range(len(cjk) - 1)])
            continue
        word = match.group("word").replace("’", "'")
        if word in STOPWORDS or (len(word) == 1 and not word.isdigit()):
            continue
        out.append(_fold(word))
    return out


def _fold(word: str) -> str:
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def term_index(term: str) -> int:
    return int.from_bytes(hashlib.blake2b(term.encode("utf-8"), digest_size=4).digest(), "little") & 0x7FFFFFFF


@dataclass(frozen=True)
class Bm25Encoder:
    """BM25 (k1, b) with a fixed expected length per script family: chunks are bounded in size, so a fixed
    average keeps document vectors independent of the rest of the collection."""

    k1: float = 1.2
    b: float = 0.75
    avg_len_spaced: float = 90.0
    avg_len_unspaced: float = 260.0

    def document(self, text: str, lang: str | None = None) -> SparseVector:
        terms = tokenize(text)
        if not terms:
            return SparseVector((), ())
        avg = self.avg_len_unspaced if is_unspaced(lang) else self.avg_len_spaced
        norm = self.k1 * (1.0 - self.b + self.b * len(terms) / avg)
        weights: dict[int, float] = {}
        for term, tf in Counter(terms).items():
            idx = term_index(term)
            weights[idx] = weights.get(idx, 0.0) + tf * (self.k1 + 1.0) / (tf + norm)
        return _sparse(weights)

    def query(self, text: str) -> SparseVector:
        weights: dict[int, float] = {}
        for term in set(tokenize(text)):
            idx = term_index(term)
            weights[idx] = weights.get(idx, 0.0) + 1.0
        return _sparse(weights)


def _sparse(weights: dict[int, float]) -> SparseVector:
    items = sorted(weights.items())
    return SparseVector(tuple(i for i, _ in items), tuple(float(w) for _, w in items))
