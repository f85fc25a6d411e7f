"""A small language guess for en, zh, ja and id, used when a turn carries no `lang`.

Script decides CJK: any kana means Japanese, Han without kana means Chinese. Latin text is Indonesian when
it holds more Indonesian than English function words, else English. Good enough to pick a lexicon; the
embedding itself is multilingual and needs no language.
"""

from __future__ import annotations

import re

SUPPORTED_LANGS: tuple[str, ...] = ("en", "zh", "ja", "id")

_KANA = re.compile(r"[\u3040-\u30ff\uff66-\uff9f]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_WORD = re.compile(r"[a-z]+")
_ID_TEXT = (
    "saya aku kamu anda kami kita dia ini itu yang dan atau tidak gak ga nggak enggak bukan sudah udah belum "
    "mau ingin bisa tolong dong ya kok sih deh kak min pak bu di ke dari untuk dengan pada karena kenapa "
    "mengapa bagaimana gimana apa berapa kapan mana sama lagi juga aja saja banget sekali terima kasih makasih "
    "halo selamat pagi siang sore malam barang pesanan uang kartu akun alamat harga bayar"
)
_ID_WORDS = frozenset(_ID_TEXT.split())
_EN_TEXT = (
    "i you he she we they it is are was were be been the a an and or not no don't dont can can't cant "
    "my your me to of in on for with at from this that what why how when where which who please pls "
    "want need have has had do does did will would should could thanks thank hello hi hey order card"
)
_EN_WORDS = frozenset(_EN_TEXT.split())


def detect_lang(text: str, default: str = "en") -> str:
    """The language of `text`; `default` when Latin text holds no function word of either language."""
    if _KANA.search(text):
        return "ja"
    if _HAN.search(text):
        return "zh"
    words = _WORD.findall(text.casefold())
    id_hits = sum(w in _ID_WORDS for w in words)
    en_hits = sum(w in _EN_WORDS for w in words)
    if id_hits == en_hits == 0:
        return default
    return "id" if id_hits > en_hits else "en"


def turn_lang(declared: str | None, text: str, default: str = "en") -> str:
    """The turn's language: its declared primary subtag when supported, else a guess from the text."""
    if declared:
        primary = declared.split("-", 1)[0].lower()
        if primary in SUPPORTED_LANGS:
            return primary
    return detect_lang(text, default)
