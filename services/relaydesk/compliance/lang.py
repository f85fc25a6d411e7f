"""The language of a reply, for choosing the NER model and the fallback message (see relaydesk.common.lang)."""

from __future__ import annotations

from relaydesk.common.lang import detect_lang, is_cjk_dominant

__all__ = ["guess_lang", "is_cjk_dominant"]


def guess_lang(text: str) -> str:
    return detect_lang(text, default="en")
