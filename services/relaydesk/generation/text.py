"""Small, language-light text tools shared by prompt assembly, the grounding check and the fallback.

Latin-script words are lower-cased, stop words dropped and stemmed (Snowball English); CJK runs become character
bigrams, since those languages do not separate words with spaces. Good enough to ask "did these words come
from the sources?", which is all they are used for.
"""

from __future__ import annotations

import functools
import math
import re

import snowballstemmer

_CJK_CLASS = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
_CJK_RUN = re.compile(f"[{_CJK_CLASS}]+")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_NUMBER = re.compile(r"\d+(?:[.,:/-]\d+)*")
_LIST_NUMBER = re.compile(r"^\d{1,3}[.)]$")
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+|(?<=[。！？])|\n+")
_TOKEN_PIECE = re.compile(f"[A-Za-z]+|\\d+|[{_CJK_CLASS}]|[^\\sA-Za-z\\d]")

_NUMBER_WORDS = {
    "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "fifteen": "15", "twenty": "20",
    "thirty": "30", "hundred": "100",
}

def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


# English function words, plus the politeness and meta words any support answer may use without a source.
STOPWORDS = _word_set(
    """a about above after again against all also am an and any are aren't as at be because been before
    being below between both but by can can't cannot could couldn't did didn't do does doesn't doing don't
    down during each either else ever every few for from further get gets getting give go goes going got had
    hadn't has hasn't have haven't having he her here hers herself him himself his how however i i'd i'll
    i'm i've if in into is isn't it it's its itself just let let's like many may me might more most much must my
    myself need needs no nor not now of off on once one only or other our ours ourselves out over own per
    please rather same shall she should shouldn't so some such than that that's the their theirs them
    themselves then there there's these they they're this those through thus to too under until up upon us
    very was wasn't we we'll we're we've were weren't what what's when where which while who whom whose why
    will with within without won't would wouldn't yes yet you you'd you'll you're you've your yours yourself
    yourselves
    answer answers apologise apologize ask asked assist assistance certainly check contact
    customer dear feel glad happy hello help helpful hi hope information inform know let note okay ok
    question questions regards simply sorry support sure thank thanks understand welcome
    yang dan di ke dari untuk dengan ini itu atau anda kami kita saya akan bisa dapat tidak"""
)

_ENGLISH = snowballstemmer.stemmer("english")


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Snowball's English stemmer (Porter2): "sale" and "sales", "close", "closing" and "closed",
    "shipped" and "shipping" each meet. A lower-cased word in, its stem out."""
    return str(_ENGLISH.stemWord(word))


def numbers(text: str) -> set[str]:
    found = {m.group().replace(",", "") for m in _NUMBER.finditer(text)}
    for word in _WORD.findall(text.lower()):
        if word in _NUMBER_WORDS:
            found.add(_NUMBER_WORDS[word])
    return found


def content_terms(text: str) -> list[str]:
    """Stemmed content words (latin) and character bigrams (CJK), in order, repeats kept."""
    terms: list[str] = []
    for run in _CJK_RUN.findall(text):
        terms.extend(run[i:i + 2] for i in range(max(1, len(run) - 1)))
    for word in _WORD.findall(_CJK_RUN.sub(" ", text).lower()):
        word = word.replace("’", "'")
        if len(word) < 3 or word in STOPWORDS or word in _NUMBER_WORDS:
            continue
        terms.append(stem(word))
    return terms


def sentences(text: str) -> list[str]:
    """The sentences of `text`; a numbered list item's marker ("3." of "3. Confirm.") is no sentence of its own
    and is dropped (knowledge units store list items without it too)."""
    return [s for s in (p.strip() for p in _SENTENCE_END.split(text) if p) if s and not _LIST_NUMBER.match(s)]


def approx_tokens(text: str) -> int:
    """An upper-leaning estimate of a BPE token count without loading a tokenizer (the core runs in the
    Faust worker, far from the model). Against SmolLM2's tokenizer it reads 1.1-1.5x on English support
    text and about 1.2x on Chinese and Japanese; budgets are set in these units."""
    count = 0
    for piece in _TOKEN_PIECE.findall(text):
        if piece.isascii() and piece.isalpha():
            count += max(1, math.ceil(len(piece) / 3.5))
        elif piece.isdigit():
            count += len(piece)
        elif _CJK_RUN.match(piece):
            count += 2
        else:
            count += 1
    return count


def truncate_to_tokens(text: str, budget: int) -> str:
    """Whole sentences while they fit; if not even the first fits, its first words that do."""
    if approx_tokens(text) <= budget:
        return text
    kept: list[str] = []
    used = 0
    for sentence in sentences(text):
        cost = approx_tokens(sentence)
        if used + cost > budget:
            break
        kept.append(sentence)
        used += cost
    if kept:
        return " ".join(kept)
    cut = text
    while cut and approx_tokens(cut + " …") > budget:
        shorter = cut[: int(len(cut) * 0.8)]
        space = shorter.rfind(" ")
        cut = shorter[:space] if space > len(shorter) // 2 else shorter
    return cut + " …" if cut else ""
