"""What a question asks for, when it asks for a quantity, and whether a sentence states one.

"Is there a charge for closing my account?" is answered by "Closing is free", not by the sentence that shares
most words with it; "单笔非接触支付最多能付多少钱？" by the sentence with the amount. So a question that asks for
a price, a duration, a count or a limit (en/zh/ja/id cue words) lets the sentences that state that kind of
quantity rank a little higher (`answer_sentences.rank_sentences`). And when the sentence a reply would quote states the
quantity asked for, a generated answer must give that sentence's figures and no other (`lead_figure_failure`):
the 135M model answered "the most I can pay with a single tap" with the card-payment limit of the table below
the contactless sentence, a number the sources hold but not for what was asked; and any answer must keep the
figures of the sentence it stands for ("between 100 and 2,000 EUR" is not "100 EUR"). Pure and table-driven; no model.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from relaydesk.generation.text import content_terms, numbers

_AMOUNT = r"(\d[\d.,]*\s*(EUR|USD|GBP|IDR|JPY|CNY|€|\$|£|円|元|欧元|ユーロ|Rp|%)|(€|\$|£|Rp)\s*\d)"
_DURATION_UNIT = (
    r"(个\s*)?(minutes?|hours?|days?|weeks?|months?|years?|working days?|business days?|分钟|小时|天|周|个月|年|工作日|"
    r"営業日|日|時間|分|週間|か月|ヶ月|年|menit|jam|hari|minggu|bulan|tahun)"
)
_NUMBER_WORD = r"(\d[\d.,]*|one|two|three|four|five|six|seven|eight|nine|ten|twelve|a few|一|两|二|三|五|十)"

# kind -> (question cue, sentence cue)
_KINDS: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {
    "price": (
        re.compile(
            r"\b(how much does|how much is|cost|costs|charge[sd]?|fees?|price[sd]?|pay for)\b|多少钱|费用|收费|"
            r"手续费|价格|いくら|料金|手数料|費用|\b(biaya|harga|tarif|bayar)\b",
            re.I,
        ),
        re.compile(_AMOUNT + r"|\b(free|no fee|no charge|nothing extra|at no cost)\b|免费|無料|\bgratis\b", re.I),
    ),
    "duration": (
        re.compile(
            r"\b(how long|how soon|how many (days|hours|weeks|months)|when will)\b|多久|多长时间|几天|什么时候|"
            r"どのくらい|何日|いつ|\b(berapa lama|kapan|berapa hari)\b",
            re.I,
        ),
        re.compile(_NUMBER_WORD + r"\s*(extra\s+)?" + _DURATION_UNIT, re.I),
    ),
    "count": (
        re.compile(
            r"\b(how many|how often|number of)\b|几次|几张|几个|多少次|多少张|多少个|何回|何枚|何件|何個|いくつ|"
            r"\bberapa (kali|banyak|buah)\b",
            re.I,
        ),
        re.compile(r"\d|\b(two|three|four|five|six|seven|eight|nine|ten|twelve|twice)\b|[两二三四五六七八九十][次张个枚回件]",
                   re.I),
    ),
    "limit": (
        re.compile(
            r"\b(limit|maximum|minimum|up to|at most|how much can|(what'?s|what is) the (most|least))\b|"
            r"上限|限额|最多|最高|最少|限度|最大|いくらまで|\b(batas|maksimal|maksimum|minimal)\b",
            re.I,
        ),
        re.compile(_AMOUNT + r"|\d[\d.,]*\s*(per|a|each)\b", re.I),
    ),
}


def quantity_kinds(question: str) -> frozenset[str]:
    """The kinds of quantity the question asks for (empty: it asks for none)."""
    return frozenset(kind for kind, (asks, _) in _KINDS.items() if asks.search(question))


def states_kind(sentence: str, kinds: frozenset[str]) -> bool:
    """Whether the sentence states a quantity of one of `kinds`."""
    return any(_KINDS[kind][1].search(sentence) for kind in kinds)


def lead_figure_failure(answer: str, question: str, lead: str, others: Sequence[str] = ()) -> str | None:
    """Why a generated answer cannot stand in for the quote on its figures. `lead`: the sentence the reply
    would otherwise quote first; `others`: the passages' other sentences. When the question asks for a
    quantity `lead` states, the answer must give `lead`'s figures of that kind (its amounts for a price or a
    limit, its durations for "how long", its other numbers for "how many") and no figure `lead` lacks:
    `lead_figure_dropped` (the 2,500 EUR card limit for the 50 EUR contactless one; no figure at all),
    `lead_figure_other`. Otherwise, where the answer gives an amount or a duration, it must keep those of the
    sentence it restates (the one sharing most of its words, `lead` first on ties): `figure_dropped` ("the
    biggest overdraft is 100 EUR" for "a limit between 100 and 2,000 EUR"). Figures of the question count for
    none; a sentence stating its quantity in words only ("Closing is free") holds the answer to nothing here
    (the grounding check's number rules still apply). None: the figures hold."""
    asked = numbers(question)
    given = numbers(answer) - asked
    kinds = quantity_kinds(question)
    if kinds and states_kind(lead, kinds):
        wanted = set().union(*(_kind_figures(lead, kind) for kind in kinds)) - asked
        if wanted and not wanted <= given:
            return "lead_figure_dropped"
        return "lead_figure_other" if not given <= numbers(lead) - asked else None
    basis = _restated(answer, [lead, *others])
    if basis is None:
        return None
    for cls in ("amount", "duration"):
        mine = _class_figures(answer, cls) - asked
        if mine and not _class_figures(basis, cls) - asked <= mine:
            return "figure_dropped"
    return None


_CLASS_PATTERN = {"amount": re.compile(_AMOUNT, re.I), "duration": _KINDS["duration"][1]}


def _class_figures(text: str, cls: str) -> set[str]:
    """The numbers of `text` that are amounts (money, percent) or durations."""
    return set().union(*(numbers(m.group()) for m in _CLASS_PATTERN[cls].finditer(text)))


def _kind_figures(text: str, kind: str) -> set[str]:
    if kind in ("price", "limit"):
        return _class_figures(text, "amount")
    if kind == "duration":
        return _class_figures(text, "duration")
    return numbers(text) - _class_figures(text, "amount") - _class_figures(text, "duration")


def _restated(answer: str, candidates: Sequence[str]) -> str | None:
    """The candidate sharing most of the answer's content terms (the first on ties); None when none shares any."""
    terms = set(content_terms(answer))
    best, most = None, 0
    for sentence in candidates:
        shared = len(terms & set(content_terms(sentence)))
        if shared > most:
            best, most = sentence, shared
    return best
