"""The cross-lingual bridge: domain words found in a turn, glossed in English.

multilingual-e5-small aligns languages only loosely on very short texts ("退款到哪了" sits nearer other
Chinese than the English "where is my refund"). Appending the English gloss of the contact-centre words a
turn contains ("退款到哪了 (refund, arrive)") moves it towards English examples, which is what a tenant that
wrote its intents in English needs. The vocabulary is package data (`nlu/data/glossary.yaml`); a deployment
can point at its own file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")
# Which variant lists apply to a turn of each language. English slang and typos apply everywhere, because
# customers mix English words into zh, ja and id turns. zh and ja share their lists: a Japanese turn written
# in kanji only ("配信停止") has no kana to tell it from Chinese.
_LISTS_FOR_LANG: dict[str, tuple[str, ...]] = {
    "en": ("en_variants",),
    "id": ("id", "en_variants"),
    "zh": ("zh", "ja", "en_variants"),
    "ja": ("ja", "zh", "en_variants"),
}


def _compile(variants: dict[str, str]) -> re.Pattern[str] | None:
    if not variants:
        return None
    # Longest first, so "取消订阅" wins over "取消" at the same position.
    ordered = sorted(variants, key=len, reverse=True)
    alternatives = [re.escape(v) if _CJK.search(v) else rf"(?<![^\W_]){re.escape(v)}(?![^\W_])" for v in ordered]
    return re.compile("|".join(alternatives))


@dataclass(frozen=True)
class Glossary:
    """Finds glossary variants in case-folded text and returns their English glosses, first seen first."""

    patterns: dict[str, re.Pattern[str] | None]
    gloss_of: dict[str, dict[str, str]]

    @classmethod
    def from_terms(cls, terms: list[dict[str, object]]) -> Glossary:
        gloss_of: dict[str, dict[str, str]] = {}
        for lang, lists in _LISTS_FOR_LANG.items():
            table: dict[str, str] = {}
            for term in terms:
                for key in lists:
                    for variant in term.get(key) or []:  # type: ignore[attr-defined]
                        table.setdefault(str(variant).casefold(), str(term["en"]))
            gloss_of[lang] = table
        return cls({lang: _compile(table) for lang, table in gloss_of.items()}, gloss_of)

    @classmethod
    def from_file(cls, path: Path) -> Glossary:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return cls.from_terms(list(data.get("terms", [])))

    def glosses(self, folded_text: str, lang: str) -> list[str]:
        pattern = self.patterns.get(lang)
        if pattern is None:
            return []
        table = self.gloss_of[lang]
        seen: dict[str, None] = {}
        for match in pattern.finditer(folded_text):
            seen.setdefault(table[match.group(0)], None)
        return list(seen)

    def bridge(self, folded_text: str, lang: str) -> str:
        """`folded_text` followed by its glosses in parentheses, or unchanged when nothing matched."""
        found = self.glosses(folded_text, lang)
        return f"{folded_text} ({', '.join(found)})" if found else folded_text


@lru_cache(maxsize=1)
def builtin_glossary() -> Glossary:
    source = resources.files("relaydesk.nlu").joinpath("data/glossary.yaml")
    return Glossary.from_file(Path(str(source)))
