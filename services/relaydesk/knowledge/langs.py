"""Script-level language facts: which languages are written without spaces, and a guess of a document's
language when an update does not say."""

from __future__ import annotations

import re

from relaydesk.common.lang import detect_lang

# CJK ideographs, kana, Hangul: scripts where a "word" boundary is not a space.
_CJK = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")


def words(text: str) -> frozenset[str]:
    return frozenset(text.split())


UNSPACED_LANGS = frozenset({"zh", "ja", "th", "lo", "km", "my"})


def is_unspaced(lang: str | None) -> bool:
    return (lang or "").split("-")[0] in UNSPACED_LANGS


def cjk_ratio(text: str) -> float:
    letters = [c for c in text if not c.isspace()]
    if not letters:
        return 0.0
    return len(_CJK.findall(text)) / len(letters)


def guess_lang(text: str) -> str:
    """The language of a document that did not say (see relaydesk.common.lang)."""
    return detect_lang(text, default="en")
