"""Script-level language facts: which languages are written without spaces, and a cheap guess of a text's
language when an update does not say (en/id by function words, zh/ja by script)."""

from __future__ import annotations

import re

# CJK ideographs, kana, Hangul: scripts where a "word" boundary is not a space.
_CJK = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")
_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_WORD = re.compile(r"[a-z]+")


def words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_ID_WORDS = words(
    "yang dan di untuk dengan tidak ini itu saya anda kami akan dari ke atau jika bisa dapat sudah belum "
    "karena pada adalah juga agar melalui kartu akun saldo"
)
_EN_WORDS = words(
    "the and to of for with not this that you your we will from or if can is are be have has on in by "
    "card account balance"
)

UNSPACED_LANGS = frozenset({"zh", "ja", "th", "lo", "km", "my"})


def is_unspaced(lang: str | None) -> bool:
    return (lang or "").split("-")[0] in UNSPACED_LANGS


def cjk_ratio(text: str) -> float:
    letters = [c for c in text if not c.isspace()]
    if not letters:
        return 0.0
    return len(_CJK.findall(text)) / len(letters)


def guess_lang(text: str) -> str:
    sample = text[:2000]
    if cjk_ratio(sample) > 0.2:
        if _KANA.search(sample):
            return "ja"
        if _HANGUL.search(sample):
            return "ko"
        return "zh"
    words = _WORD.findall(sample.lower())
    id_hits = sum(w in _ID_WORDS for w in words)
    en_hits = sum(w in _EN_WORDS for w in words)
    return "id" if id_hits > en_hits else "en"
