"""A cheap guess at the language of a short text among the four we serve: en, zh, ja, id.

Script decides CJK (any kana means Japanese); among Latin-script texts, common Indonesian function words
decide Indonesian. It is only used to pick a model or a fallback message, never to reject input.
"""

from __future__ import annotations

import re

_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]+")
_ID_WORDS_TEXT = (
    "yang dan untuk tidak anda saya kami kita dengan ini itu akan bisa sudah belum apakah bagaimana "
    "mohon tolong terima kasih pesanan saya silakan kapan berapa dari pada ke di adalah atau juga "
    "karena sebelumnya semua aturan"
)
_ID_WORDS = frozenset(_ID_WORDS_TEXT.split())


def guess_lang(text: str) -> str:
    if _KANA.search(text):
        return "ja"
    han = len(_HAN.findall(text))
    words = [w.lower() for w in _LATIN_WORD.findall(text)]
    if han and han >= len(words):
        return "zh"
    if words:
        hits = sum(w in _ID_WORDS for w in words)
        if hits >= 2 or (hits and len(words) <= 4):
            return "id"
    if han:
        return "zh"
    return "en"


def is_cjk_dominant(text: str) -> bool:
    cjk = len(_HAN.findall(text)) + len(_KANA.findall(text))
    latin = sum(len(w) for w in _LATIN_WORD.findall(text))
    return cjk > 0 and cjk * 2 >= latin
