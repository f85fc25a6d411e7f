"""Text normalisation before the rules and the classifier see it.

NFKC folds full-width letters and compatibility forms (ｉｇｎｏｒｅ -> ignore); invisible characters that
split words for a filter but not for a language model are dropped.
"""

from __future__ import annotations

import re
import unicodedata

# Zero-width space/non-joiner/joiner, word joiner, soft hyphen, BOM. (The joiner is kept inside emoji
# sequences by the model anyway; dropping it everywhere costs nothing for our purpose.)
_INVISIBLE = re.compile(r"[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")


def normalise(text: str) -> str:
    return _SPACES.sub(" ", _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))).strip()
