"""What a small model gets wrong while using the sources' own words: it flips a negation, adds a condition,
changes a unit, or hands the question back. Each check is lexical and multilingual (en, zh, ja, id), and
each answers with the reason it found, or None.

- negation: every negated statement in the answer ("you cannot get rid of the plastic SIM") needs a negated
  statement about the same thing in the sources, and a statement the sources negate must not come back
  without its negation;
- condition: a restriction or condition ("only", "unless", "must", "if"; 只有, 除非; のみ, 場合; hanya,
  kecuali) must have one of its kind in the sources;
- unit: a number the sources give with a unit ("24 hours") must not come back with another ("24 days");
- restates question: an answer that adds almost nothing to the customer's own words, or asks a question.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from relaydesk.generation.text import content_terms, numbers, sentences

# --- clauses and negation cues ----------------------------------------------------------------------------

_CLAUSE_SPLIT = re.compile(r"[.!?;:,，。！？；：、\n]+|\s+(?:but|however|although|tetapi|namun)\s+", re.I)
_LATIN_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*|\d+(?:[.,:/-]\d+)*")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")

def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Latin cues negate what follows them in the clause ("is not allowed", "tidak bisa").
_LATIN_NEGATORS = _words(
    """not no never cannot can't cant don't dont doesn't doesnt didn't isn't isnt aren't arent wasn't weren't
    won't wouldn't shouldn't couldn't mustn't haven't hasn't unable impossible nobody none neither nor without
    tidak tak bukan belum jangan dilarang tanpa"""
)
# Latin words that negate themselves ("prohibited"): the clause is negated, the word is in scope.
_LATIN_NEGATIVE_WORDS = _words("prohibited forbidden banned disallowed unavailable nothing")
# CJK cues mark the whole clause negated (Japanese negates at the end, Chinese before the verb).
_CJK_NEGATION = re.compile(
    r"不|没|沒|无法|無法|未|别|勿|禁止|不可|ない|ません|できず|できなく|なくなり|なくなる|ず[、。]|ぬ|無理"
)
_LATIN_SCOPE = 4  # content words after a Latin cue that it negates
_INABILITY = re.compile(
    r"\b(?:cannot|can[’']?t|can not|unable|impossible|not possible|couldn[’']?t|not able|not available|"
    r"unavailable|not allowed|not permitted|prohibited|forbidden|tidak (?:bisa|dapat|tersedia|boleh)|"
    r"tak (?:bisa|dapat)|tidak mungkin|dilarang)\b|不能|无法|無法|不可以|不可|禁止|できない|できません|できず|できなく",
    re.I,
)
# Kana-only bigrams are Japanese grammar (ます, でき, なり), not content: they neither say what a clause negates
# nor add a fact ("ログインできなくなります" adds none to "ログインできません").
_HIRAGANA_ONLY = re.compile(r"^[\u3040-\u309f]+$")


@dataclass(frozen=True)
class Clause:
    terms: frozenset[str]  # all content terms of the clause
    negated: bool
    scope: frozenset[str]  # the terms a negation applies to (the whole clause for CJK)
    # The negation says something cannot (or may not) be done ("you cannot pay", "not available"), not merely
    # that it is not so ("you do not pay"): the two say different things about the same words.
    inability: bool = False


def clauses(text: str) -> list[Clause]:
    out: list[Clause] = []
    for raw in _CLAUSE_SPLIT.split(text):
        if not raw or not raw.strip():
            continue
        terms = frozenset(content_terms(raw))
        negated, scope = _latin_negation(raw)  # in a CJK clause too: a latin cue inside a mixed clause counts
        if _CJK.search(raw) and _CJK_NEGATION.search(raw):
            stripped = _CJK_NEGATION.sub(" ", raw)
            negated = True
            scope |= frozenset(t for t in content_terms(stripped) if not _HIRAGANA_ONLY.match(t))
        out.append(Clause(terms, negated, scope, negated and bool(_INABILITY.search(raw))))
    return out


def _latin_negation(clause: str) -> tuple[bool, frozenset[str]]:
    tokens = [t.lower().replace("’", "'") for t in _LATIN_TOKEN.findall(clause)]
    negated = False
    scope: set[str] = set()
    for i, token in enumerate(tokens):
        if token in _LATIN_NEGATIVE_WORDS:
            negated = True
            scope.update(content_terms(" ".join(tokens[max(0, i - _LATIN_SCOPE) : i])))
            continue
        if token not in _LATIN_NEGATORS:
            continue
        negated = True
        following = content_terms(" ".join(tokens[i + 1 :]))
        scope.update(following[:_LATIN_SCOPE])
    return negated, frozenset(scope)


def negation_conflict(answer: str, sources: Sequence[str]) -> bool:
    """True when the answer negates something no source negates, or drops a negation a source makes."""
    source_clauses = [c for s in sources for c in clauses(s)]
    negated_sources = [c for c in source_clauses if c.negated]
    positive_terms: set[str] = set().union(*(c.terms for c in source_clauses if not c.negated))
    for clause in clauses(answer):
        if clause.negated:
            scope = clause.scope or clause.terms
            if not scope:
                # A bare "No." (a flat refusal): some source must say no too.
                if not negated_sources:
                    return True
                continue
            matching = [c for c in negated_sources if scope & c.terms]
            if not matching:
                return True
            if clause.inability and not any(c.inability for c in matching):
                return True  # "you cannot pay the postage" against "you do not pay for sending it back"
        else:
            for c in negated_sources:
                # The answer asserts what the source negates: it names the negated thing and most of the
                # rest of that clause, and nothing in the sources asserts it plainly.
                hit = clause.terms & c.scope
                if not hit or hit <= positive_terms:
                    continue
                if len(clause.terms & c.terms) >= max(2, (len(c.terms) + 1) // 2):
                    return True
    return False


# --- conditions and restrictions ------------------------------------------------------------------------

_CONDITION_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("restriction", re.compile(r"\b(?:only|solely|exclusively|hanya|cuma)\b|只有|只能|仅|僅|のみ|だけ|限り", re.I)),
    ("exception", re.compile(r"\b(?:unless|except|excluding|kecuali)\b|除非|除了|以外|除き|を除", re.I)),
    ("requirement", re.compile(
        r"\b(?:must|required?|requires|mandatory|have to|has to|harus|wajib|diwajibkan)\b|必须|必須|需要|必要|必ず",
        re.I,
    )),
    ("condition", re.compile(
        r"\b(?:if|provided|as long as|jika|apabila|kalau|asalkan|bila)\b|如果|只要|場合|なら",
        re.I,
    )),
)


def unsupported_condition(answer: str, sources: Sequence[str]) -> str | None:
    """The kind of a condition or restriction the answer adds that no source has a word of, else None."""
    joined = "\n".join(sources)
    for kind, pattern in _CONDITION_KINDS:
        if pattern.search(answer) and not pattern.search(joined):
            return kind
    return None


# --- numbers with units ---------------------------------------------------------------------------------

_UNITS: dict[str, tuple[str, ...]] = {
    "minute": ("minute", "minutes", "min", "mins", "menit", "分钟", "分間", "分"),
    "hour": ("hour", "hours", "hr", "hrs", "h", "jam", "小时", "小時", "時間"),
    "day": ("day", "days", "hari", "天", "日", "営業日", "工作日"),
    "week": ("week", "weeks", "minggu", "周", "星期", "週間", "週"),
    "month": ("month", "months", "bulan", "个月", "個月", "ヶ月", "か月", "カ月", "月"),
    "year": ("year", "years", "tahun", "年"),
    "data": ("gb", "mb", "tb", "kb", "gigabyte", "gigabytes", "megabyte", "megabytes"),
    "percent": ("%", "％", "percent", "persen"),
    "eur": ("€", "eur", "euro", "euros"),
    "usd": ("$", "usd", "dollar", "dollars"),
    "gbp": ("£", "gbp", "pound", "pounds"),
    "cny": ("元", "rmb", "cny", "yuan", "块"),
    "jpy": ("円", "¥", "￥", "jpy", "yen"),
    "idr": ("rp", "idr", "rupiah"),
}
_UNIT_OF = {alias: unit for unit, aliases in _UNITS.items() for alias in aliases}
# Words allowed between a number and its unit ("5 business days", "3 to 5 working days").
_FILLERS = _words("business working calendar full more less extra additional kerja")
_CJK_FILLER = re.compile(r"^(?:个|個|多|工作|営業)+")
_CJK_ALIASES = sorted((a for a in _UNIT_OF if _CJK.match(a)), key=len, reverse=True)
_QUANTITY = re.compile(
    r"(?P<pre>[€$£¥￥]|rp\.?\s?)?(?P<num>\d+(?:[.,]\d+)*)(?:\s?(?:-|–|to|sampai|hingga|~|〜|至|到)\s?"
    r"(?P<num2>\d+(?:[.,]\d+)*))?(?P<after>(?:\s*[^\W\d_]+|\s*[%％]|\s*[\u3040-\u30ff\u4e00-\u9fff]{1,3}){0,3})",
    re.I,
)


def quantities(text: str) -> set[tuple[str, str | None]]:
    """(number, unit) pairs: "3 to 5 business days" gives (3, day) and (5, day); a bare number (n, None)."""
    found: set[tuple[str, str | None]] = set()
    for m in _QUANTITY.finditer(text):
        unit = _unit_before(m.group("pre")) or _unit_after(m.group("after") or "")
        for key in ("num", "num2"):
            if m.group(key):
                found.add((m.group(key).replace(",", ""), unit))
    return found


def _unit_before(prefix: str | None) -> str | None:
    if not prefix:
        return None
    return _UNIT_OF.get(prefix.strip().rstrip(".").lower())


def _unit_after(after: str) -> str | None:
    rest = after.strip().lower()
    if rest and _CJK.match(rest):
        rest = _CJK_FILLER.sub("", rest)
        return next((_UNIT_OF[a] for a in _CJK_ALIASES if rest.startswith(a)), None)
    for word in re.findall(r"[%％]|[^\W\d_]+", rest):
        if word in _UNIT_OF:
            return _UNIT_OF[word]
        if word not in _FILLERS:
            return None
    return None


def qualifier_conflicts(
    answer: set[tuple[str, str | None]], sources: Iterable[set[tuple[str, str | None]]]
) -> list[tuple[str, str]]:
    """(number, qualifier) pairs (a unit, a period) of the answer that the sources never give that number
    with (and never give it bare)."""
    seen: dict[str, set[str | None]] = {}
    for pairs in sources:
        for number, qualifier in pairs:
            seen.setdefault(number, set()).add(qualifier)
    conflicts = []
    for number, qualifier in sorted(answer, key=lambda q: (q[0], q[1] or "")):
        known = seen.get(number)
        if qualifier is None or not known or qualifier in known or None in known:
            continue
        conflicts.append((number, qualifier))
    return conflicts


def unit_conflicts(answer: str, sources: Iterable[str]) -> tuple[str, ...]:
    """Numbers the answer gives with a unit the sources never use for that number (and never leave bare)."""
    found = qualifier_conflicts(quantities(answer), (quantities(s) for s in sources))
    return tuple(f"{number} {unit}" for number, unit in found)


# --- restating the question -----------------------------------------------------------------------------

_QUESTION_END = re.compile(r"[?？]\s*$")


def asks_back(answer: str) -> bool:
    """Some sentence of the answer is a question ("Your card came in the post, how do you switch it on? ...")."""
    return any(_QUESTION_END.search(s) for s in [*sentences(answer), answer.strip()])


def restates_question(answer: str, question: str) -> bool:
    """The answer asks a question back, or brings fewer than two content terms and no number the customer's
    own question did not already hold, nor a negation it did not have."""
    if not question.strip():
        return False
    if asks_back(answer):
        return True
    if _negated(answer) != _negated(question):
        return False  # "costs nothing extra" to "does it cost extra?" answers it (the negation check vouched)
    asked = set(content_terms(question))
    said = {t for t in content_terms(answer) if not _HIRAGANA_ONLY.match(t)}
    new_terms = said - asked
    new_numbers = numbers(answer) - numbers(question)
    return len(new_terms) < 2 and not new_numbers


def _negated(text: str) -> bool:
    return any(c.negated for c in clauses(text))
