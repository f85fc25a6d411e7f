from __future__ import annotations

import pytest

from relaydesk.nlu.encoder import TurnEncoder
from relaydesk.nlu.glossary import Glossary, builtin_glossary
from unit.nlu.nlu_fakes import HashingEmbedder


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("退款什么时候到账", "zh", ["refund"]),  # Chinese domain word
        ("配信停止", "zh", ["unsubscribe"]),  # Japanese kanji-only turn detected as zh still matches ja list
        ("kartu saya hilang", "id", ["card", "lost"]),  # Indonesian words, in order of appearance
        ("any update on my order", "en", []),  # English turns only get the English slang list
        ("forgot my pw", "en", ["password"]),  # English slang
        ("cspan", "id", []),  # Latin variants match whole words only ("cs" is not inside "cspan")
        ("取消订阅", "zh", ["unsubscribe"]),  # the longest variant wins at a position
    ],
)
def test_when_domain_words_then_glossed(text: str, lang: str, expected: list[str]) -> None:
    assert builtin_glossary().glosses(text, lang) == expected


def test_when_empty_glossary_then_nothing_found() -> None:
    assert Glossary.from_terms([]).glosses("anything", "en") == []


def test_when_glossed_then_vector_moves_towards_gloss() -> None:
    embedder = HashingEmbedder()
    plain = TurnEncoder(embedder, None).encode(["退款"])[0]
    bridged = TurnEncoder(embedder, builtin_glossary(), gloss_weight=0.7).encode(["退款"])[0]
    gloss = embedder.embed_queries(["refund"])[0]
    assert float(bridged @ gloss) > float(plain @ gloss) + 0.2
    assert abs(float(bridged @ bridged) - 1.0) < 1e-5


def test_when_gloss_words_repeat_then_embedded_once() -> None:
    embedder = HashingEmbedder()
    encoder = TurnEncoder(embedder, builtin_glossary())
    encoder.encode(["退款", "我要退款"])
    texts_after_first = embedder.texts
    encoder.encode(["退款到哪了"])
    # one text, and "refund" (and "arrive") come from the encoder's gloss cache except for new words
    assert embedder.texts - texts_after_first <= 2
