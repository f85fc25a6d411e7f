"""One cheap guess at a text's language, for the languages relaydesk serves (en, zh, ja, id; ko by script).

Script decides CJK when CJK characters dominate the text (any kana means Japanese, Hangul Korean, else
Chinese). Latin text is Indonesian when it holds more Indonesian than English function words, English when it
holds more English ones, else `default`. It picks a lexicon, a model or a fallback message; it never rejects
input, and the embeddings are multilingual anyway.
"""

from __future__ import annotations

import re

_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_CJK = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")
_LATIN_WORD = re.compile(r"[a-z]+")

_ID_TEXT = (
    "saya aku kamu anda kami kita dia ini itu yang dan atau tidak gak ga nggak enggak bukan sudah udah belum "
    "mau ingin bisa dapat tolong mohon dong ya kok sih deh kak min pak bu di ke dari untuk dengan pada karena "
    "kenapa mengapa bagaimana gimana apa apakah berapa kapan mana sama lagi juga aja saja banget sekali terima "
    "kasih makasih silakan halo selamat pagi siang sore malam barang pesanan uang kartu akun saldo alamat harga "
    "bayar akan adalah jika agar melalui sebelumnya semua aturan"
)
_EN_TEXT = (
    "i you he she we they it is are was were be been the a an and or not no don't dont can can't cant my your "
    "me to of in on by for with at from this that what why how when where which who please pls want need have "
    "has had do does did will would should could thanks thank hello hi hey order card account balance if"
)
_ID_WORDS = frozenset(_ID_TEXT.split())
_EN_WORDS = frozenset(_EN_TEXT.split())


def is_cjk_dominant(text: str) -> bool:
    """CJK characters outweigh Latin letters (each CJK character counting as two letters)."""
    cjk = len(_CJK.findall(text))
    latin = sum(len(w) for w in _LATIN_WORD.findall(text.casefold()))
    return cjk > 0 and cjk * 2 >= latin


def detect_lang(text: str, default: str = "en") -> str:
    sample = text[:2000]
    if is_cjk_dominant(sample):
        if _KANA.search(sample):
            return "ja"
        if _HANGUL.search(sample):
            return "ko"
        return "zh"
    words = _LATIN_WORD.findall(sample.casefold())
    id_hits = sum(w in _ID_WORDS for w in words)
    en_hits = sum(w in _EN_WORDS for w in words)
    if id_hits == en_hits == 0:
        return default
    return "id" if id_hits > en_hits else "en"
