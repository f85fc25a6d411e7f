"""The language of a turn, for picking lexicons: its declared `lang` when supported, else a guess."""

from __future__ import annotations

from relaydesk.common.lang import detect_lang

SUPPORTED_LANGS: tuple[str, ...] = ("en", "zh", "ja", "id")

__all__ = ["SUPPORTED_LANGS", "detect_lang", "turn_lang"]


def turn_lang(declared: str | None, text: str, default: str = "en") -> str:
    """The turn's language: its declared primary subtag when supported, else a guess from the text."""
    if declared:
        primary = declared.split("-", 1)[0].lower()
        if primary in SUPPORTED_LANGS:
            return primary
    return detect_lang(text, default)
