"""Groundedness: every amount, number, date and policy claim in a reply must appear in the retrieved sources.

Numbers are compared by value ("$1,200" in the reply matches "1200.00 USD" in a source; Indonesian "1.200"
reads as twelve hundred), dates by (year, month, day). A policy claim is a sentence with a policy word
(refund, warranty, 退款, 返品, garansi...); it is grounded when most of its content words, or for Chinese and
Japanese its character pairs, occur in the sources.

What is not a claim: identifiers (order 88123, flight UA857, #4471), list markers, and spans the PII step
already handles.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from relaydesk.events import Finding

CATEGORY = "groundedness"

_MONTHS = {
    "january": 1, "jan": 1, "januari": 1, "february": 2, "feb": 2, "februari": 2, "march": 3, "mar": 3,
    "maret": 3, "april": 4, "apr": 4, "may": 5, "mei": 5, "june": 6, "jun": 6, "juni": 6, "july": 7,
    "jul": 7, "juli": 7, "august": 8, "aug": 8, "agustus": 8, "agu": 8, "september": 9, "sep": 9,
    "sept": 9, "october": 10, "oct": 10, "oktober": 10, "okt": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12, "desember": 12, "des": 12,
}  # fmt: skip
# A month is any short word looked up in _MONTHS: one alternation of forty names made every search slow.
_WORD = r"[A-Za-z]{3,9}"

_DATE_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)"), "ymd"),
    (re.compile(r"(?<!\d)(\d{4})年(\d{1,2})月(\d{1,2})日"), "ymd"),
    (re.compile(r"(?<!\d)(\d{1,2})月(\d{1,2})日"), "md"),
    (re.compile(rf"\b({_WORD})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(\d{{4}}))?(?!\d)"), "mdy"),
    (re.compile(rf"(?<!\d)(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_WORD})\b\.?(?:,?\s+(\d{{4}}))?"), "dmy"),
    (re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})(?![\d/])"), "slash"),
)

_CURRENCY = r"(?:US\$|S\$|HK\$|A\$|C\$|[$€£¥￥₹]|Rp\.?|RMB|CNY|JPY|USD|EUR|GBP|IDR|SGD)"
_UNIT_AFTER = r"(?:dollars?|euros?|pounds?|yen|yuan|rupiah|USD|EUR|GBP|JPY|CNY|IDR|SGD|元|円|块|人民币|ribu|juta)"
_NUMBER = r"\d[\d,.]*\d|\d"
_AMOUNT = re.compile(rf"{_CURRENCY}\s?(?:{_NUMBER})|(?:{_NUMBER})\s?{_UNIT_AFTER}", re.IGNORECASE)
_PERCENT = re.compile(rf"(?:{_NUMBER})\s?(?:%|％|percent|persen)", re.IGNORECASE)
_BARE_NUMBER = re.compile(r"(?<![\w.,])(\d[\d,.]*\d|\d)(?![\d])")
_TIME = re.compile(r"(?<!\d)(\d{1,2})[:：](\d{2})(?!\d)")
# Tokens glued to letters are identifiers (UA857, A1234, v2, 3G); so is anything after an id word.
_IDENT_CONTEXT = re.compile(
    r"(?:order|ticket|case|reference|ref|tracking|invoice|account|booking|confirmation|flight|no\.?|number|"
    r"#|订单|单号|编号|注文|番号|pesanan|nomor|tiket|resi)\s*(?:number|no\.?|id|号|番号)?\s*[:：#]?\s*$",
    re.IGNORECASE,
)
_LIST_MARKER = re.compile(r"(?m)^\s*(\d{1,2})[.)]\s")
_PLACEHOLDER = re.compile(r"<[A-Z_]+>")

_POLICY_WORDS = re.compile(
    r"\b(?:refund\w*|return(?:s|ed|ing)?|exchange\w*|warrant\w*|guarantee\w*|cancel\w*|fees?|charge[sd]?|"
    r"eligib\w*|polic(?:y|ies)|free shipping|penalt\w*|compensat\w*|pengembalian|retur|penukaran|garansi|"
    r"pembatalan|biaya|kebijakan|gratis|kompensasi|denda)\b"
    r"|退款|退货|换货|保修|保障|取消|费用|手续费|政策|免费|赔偿|返金|返品|交換|保証|キャンセル|手数料|料金|ポリシー|無料|補償",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"[^.!?。！？\n]+[.!?。！？]?")
_LATIN_WORD = re.compile(r"[a-z]{3,}")
_CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]+")
# Words that carry no claim, so a polite sentence about a refund is judged on its refund words.
_STOP_WORDS = (
    "the and for you your our with that this are can will have has was were from not but all any been "
    "into out its may must per via yang dan untuk anda kami dengan ini itu akan bisa dari pada atau juga "
    "please thank thanks yes also just like would could should about help contact contacting happy glad "
    "sorry team question questions let know more information further assist regarding here there what when "
    "how which who they them their then than these those some such only very much many other each over "
    "after before again still need want get make see take use sure hope great today apologize inconvenience "
    "understand reaching appreciate patience kindly mohon terima kasih silakan maaf"
)
_STOP = frozenset(_STOP_WORDS.split())


@dataclass(frozen=True)
class Fact:
    kind: str  # amount | number | date | time
    start: int
    end: int
    value: tuple[float, ...]


def parse_number(raw: str) -> float | None:
    """`1,234.56`, `1.234,56`, `1.200` (Indonesian thousands), `12,5` and `3000` all read as people mean them."""
    s = raw.strip().strip(".,")
    if not s:
        return None
    if "," in s and "." in s:
        s = s.replace(",", "") if s.rfind(".") > s.rfind(",") else s.replace(".", "").replace(",", ".")
    elif "," in s:
        parts = s.split(",")
        s = s.replace(",", "") if all(len(p) == 3 for p in parts[1:]) else s.replace(",", ".")
    elif s.count(".") > 1 or (s.count(".") == 1 and len(s.split(".")[1]) == 3 and len(s.split(".")[0]) <= 3):
        # 1.200.000 or 1.200: thousands separators (the Indonesian way), not decimals.
        s = s.replace(".", "")
    try:
        return float(s)
    except ValueError:
        return None


def _overlaps(start: int, end: int, spans: Iterable[tuple[int, int]]) -> bool:
    return any(start < e and s < end for s, e in spans)


def extract_facts(text: str, skip: Sequence[tuple[int, int]] = ()) -> list[Fact]:
    """Amounts, percentages, dates, times and other numbers in `text`, leaving out `skip` spans (PII),
    identifiers and list markers."""
    facts: list[Fact] = []
    taken: list[tuple[int, int]] = list(skip)
    taken += [m.span() for m in _PLACEHOLDER.finditer(text)]
    taken += [m.span(1) for m in _LIST_MARKER.finditer(text)]

    def add(kind: str, start: int, end: int, value: tuple[float, ...]) -> None:
        if not _overlaps(start, end, taken):
            facts.append(Fact(kind, start, end, value))
            taken.append((start, end))

    for pattern, shape in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            date = _date_value(m, shape)
            if date is not None:
                add("date", m.start(), m.end(), date)
    for m in _TIME.finditer(text):
        add("time", m.start(), m.end(), (float(m.group(1)), float(m.group(2))))
    for pattern in (_AMOUNT, _PERCENT):
        for m in pattern.finditer(text):
            number = re.search(_NUMBER, m.group())
            value = parse_number(number.group()) if number else None
            if value is not None:
                add("amount", m.start(), m.end(), (value,))
    for m in _BARE_NUMBER.finditer(text):
        start, end = m.span(1)
        before, after = text[max(0, start - 24) : start], text[end : end + 1]
        glued = (start > 0 and text[start - 1].isalpha() and text[start - 1].isascii()) or (
            after.isalpha() and after.isascii()
        )
        if glued or _IDENT_CONTEXT.search(before):
            continue
        value = parse_number(m.group(1))
        if value is not None:
            add("number", start, end, (value,))
    return sorted(facts, key=lambda f: f.start)


def _date_value(m: re.Match[str], shape: str) -> tuple[float, ...] | None:
    try:
        if shape == "ymd":
            y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
        elif shape == "md":
            y, mo, d = 0, int(m.group(1)), int(m.group(2))
        elif shape == "mdy":
            mo, d, y = _MONTHS[m.group(1).lower()], int(m.group(2)), int(m.group(3) or 0)
        elif shape == "dmy":
            d, mo, y = int(m.group(1)), _MONTHS[m.group(2).lower()], int(m.group(3) or 0)
        else:  # slash: month/day/year in English text; ambiguity is resolved against the sources' dates
            mo, d, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
            y = y + 2000 if y < 100 else y
    except (KeyError, ValueError):
        return None
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return (float(y), float(mo), float(d))


def _date_in(date: tuple[float, ...], dates: Iterable[tuple[float, ...]]) -> bool:
    y, mo, d = date
    for sy, smo, sd in dates:
        same_day = (mo, d) == (smo, sd) or (mo, d) == (sd, smo)  # d/m vs m/d
        if same_day and (not y or not sy or y == sy):
            return True
    return False


@dataclass(frozen=True)
class SourceIndex:
    """What the retrieved sources contain, prepared once per reply."""

    numbers: frozenset[float]
    dates: tuple[tuple[float, ...], ...]
    times: frozenset[tuple[float, ...]]
    words: frozenset[str]
    bigrams: frozenset[str]

    @classmethod
    def build(cls, sources: Sequence[str]) -> SourceIndex:
        return _build_index(tuple(sources))

    @classmethod
    def _build(cls, sources: tuple[str, ...]) -> SourceIndex:
        text = "\n".join(sources)
        facts = extract_facts(text)
        numbers: set[float] = set()
        for f in facts:
            if f.kind in ("amount", "number"):
                numbers.add(f.value[0])
            elif f.kind == "date":
                numbers.update(v for v in f.value if v)
        # Numbers inside identifiers or dates in a source still ground the same digits in a reply.
        numbers.update(v for m in _BARE_NUMBER.finditer(text) if (v := parse_number(m.group(1))) is not None)
        dates = tuple(f.value for f in facts if f.kind == "date")
        times = frozenset(f.value for f in facts if f.kind == "time")
        words, bigrams = _content(text)
        return cls(frozenset(numbers), dates, times, frozenset(words), frozenset(bigrams))


@lru_cache(maxsize=512)
def _build_index(sources: tuple[str, ...]) -> SourceIndex:
    # Popular questions retrieve the same chunks over and over; the index depends on nothing else.
    return SourceIndex._build(sources)


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _content(text: str) -> tuple[set[str], set[str]]:
    lowered = text.lower()
    words = {_stem(w) for w in _LATIN_WORD.findall(lowered) if w not in _STOP}
    bigrams = {run[i : i + 2] for run in _CJK_RUN.findall(text) for i in range(len(run) - 1)}
    return words, bigrams


def check_grounded(
    text: str,
    sources: Sequence[str],
    skip: Sequence[tuple[int, int]] = (),
    min_claim_support: float = 0.6,
    index: SourceIndex | None = None,
) -> list[Finding]:
    index = index or SourceIndex.build(sources)
    findings: list[Finding] = []
    for fact in extract_facts(text, skip):
        if fact.kind == "date":
            ok = _date_in(fact.value, index.dates)
        elif fact.kind == "time":
            ok = fact.value in index.times
        else:
            ok = fact.value[0] in index.numbers
        if not ok:
            findings.append(Finding(rule_id=f"grounded.{fact.kind}", category=CATEGORY, start=fact.start, end=fact.end))
    for m in _SENTENCE.finditer(text):
        sentence = m.group()
        if not _POLICY_WORDS.search(sentence):
            continue
        words, bigrams = _content(_PLACEHOLDER.sub(" ", sentence))
        total = len(words) + len(bigrams)
        if total == 0:
            continue
        support = (len(words & index.words) + len(bigrams & index.bigrams)) / total
        if support < min_claim_support:
            findings.append(
                Finding(
                    rule_id="grounded.policy_claim",
                    category=CATEGORY,
                    start=m.start(),
                    end=m.end(),
                    detail=f"support={support:.2f}",
                )
            )
    return findings
