"""Cue lists (emotion/data/cues.yaml) compiled into matchers, per language.

A zh or ja turn is matched against both CJK lists (a kanji-only Japanese turn has no kana to tell it from
Chinese); an id turn also against the English lists, because Indonesian chat mixes English words in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")
_LANG_LISTS: dict[str, tuple[str, ...]] = {
    "en": ("en",),
    "id": ("id", "en"),
    "zh": ("zh", "ja"),
    "ja": ("ja", "zh"),
}


_TOKEN = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
_MAX_PHRASE = 4


@dataclass(frozen=True)
class TextView:
    """A turn prepared once for every matcher: the folded text and its word n-grams (n <= 4)."""

    folded: str
    grams: frozenset[str]
    tokens: tuple[str, ...]

    @classmethod
    def of(cls, folded: str) -> TextView:
        tokens = tuple(_TOKEN.findall(folded))
        grams = {
            " ".join(tokens[i : i + n]) for n in range(1, _MAX_PHRASE + 1) for i in range(len(tokens) - n + 1)
        }
        return cls(folded, frozenset(grams), tokens)


@dataclass(frozen=True)
class CueMatcher:
    """Counts the distinct cues present in a turn. Latin cues are whole words or phrases (set lookups on
    the turn's n-grams; a trailing * matches any ending), CJK cues and symbols are substrings."""

    phrases: frozenset[str]
    prefixes: tuple[str, ...]
    substrings: tuple[str, ...]

    @classmethod
    def of(cls, cues: list[str]) -> CueMatcher:
        phrases: set[str] = set()
        prefixes: set[str] = set()
        substrings: set[str] = set()
        for cue in (str(c).casefold().strip() for c in cues):
            if not cue:
                continue
            if _CJK.search(cue) or not re.search(r"[a-z]", cue):
                substrings.add(cue)
            elif cue.endswith("*"):
                prefixes.add(cue[:-1])
            else:
                phrases.add(" ".join(_TOKEN.findall(cue)))
        return cls(frozenset(phrases), tuple(sorted(prefixes)), tuple(sorted(substrings)))

    def count(self, view: TextView) -> int:
        hits = len(self.phrases & view.grams)
        if self.prefixes:
            hits += sum(1 for t in view.tokens if t.startswith(self.prefixes))
        return hits + sum(1 for s in self.substrings if s in view.folded)

    def found(self, view: TextView) -> bool:
        return self.count(view) > 0


def _per_lang(block: dict[str, list[str]], extra: list[str] | None = None) -> dict[str, CueMatcher]:
    out: dict[str, CueMatcher] = {}
    for lang, lists in _LANG_LISTS.items():
        cues = [c for key in lists for c in (block.get(key) or [])]
        out[lang] = CueMatcher.of(cues + list(extra or []))
    return out


@dataclass(frozen=True)
class EmotionLexicon:
    emotions: dict[str, dict[str, CueMatcher]]  # emotion -> lang -> matcher (emoji included)
    negation: dict[str, CueMatcher]
    sarcasm_markers: dict[str, CueMatcher]
    failure_context: dict[str, CueMatcher]
    threats: dict[str, CueMatcher]  # kind (legal, complain, leave) -> matcher over every language's phrases

    @classmethod
    def from_file(cls, path: Path) -> EmotionLexicon:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        emotions = {
            name: _per_lang(block, [str(e) for e in block.get("emoji", [])])
            for name, block in data["emotions"].items()
        }
        # Threat phrases are checked in every turn whatever its language: customers threaten in English
        # everywhere, and a missed threat costs more than a spurious match.
        threats = {
            kind: CueMatcher.of([c for cues in block.values() for c in cues]) for kind, block in data["threats"].items()
        }
        return cls(
            emotions=emotions,
            negation=_per_lang(data["negation"]),
            sarcasm_markers=_per_lang(data["sarcasm_markers"]),
            failure_context=_per_lang(data["failure_context"]),
            threats=threats,
        )

    def threat(self, view: TextView) -> str | None:
        """The first kind of explicit threat found (legal, complain, leave), or None."""
        for kind, matcher in self.threats.items():
            if matcher.found(view):
                return kind
        return None

    def for_lang(self, lang: str) -> str:
        return lang if lang in _LANG_LISTS else "en"


@lru_cache(maxsize=1)
def builtin_lexicon() -> EmotionLexicon:
    source = resources.files("relaydesk.emotion").joinpath("data/cues.yaml")
    return EmotionLexicon.from_file(Path(str(source)))
