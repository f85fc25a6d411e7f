"""The reply eval's question lines and its fact matching.

A line is `{"id", "lang", "question", "doc_id", "facts_any": [...]}`; an out-of-scope one has
`"expect": "decline"` (and no facts). A reply contains the expected fact when any `facts_any` string occurs
in it after both are normalised: NFKC (full-width digits and letters become ASCII), case-folded, Markdown
emphasis and whitespace removed (CJK text has no spaces to rely on, "3 至 5" and "3至5" are one fact), curly
quotes straightened, and a thousands separator dropped ("2,500" and "2500" are one number).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

DECLINE = "decline"
SPLITS = ("dev", "test")

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_DROP = re.compile(r"[\s*_`]+")


class QuestionError(ValueError):
    pass


@dataclass(frozen=True)
class ReplyQuestion:
    id: str
    lang: str
    question: str
    doc_id: str | None
    facts_any: tuple[str, ...]
    expect: str | None = None

    @property
    def declines(self) -> bool:
        """Out of scope: the right reply says it cannot answer and offers a person."""
        return self.expect == DECLINE

    @property
    def split(self) -> str | None:
        head = self.id.split("-", 1)[0]
        return head if head in SPLITS else None


def normalise(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_QUOTES)
    return _DROP.sub("", _THOUSANDS.sub("", folded))


def has_fact(reply: str, facts: Sequence[str]) -> bool:
    body = normalise(reply)
    return any(normalise(f) in body for f in facts if f.strip())


def parse_question(obj: dict[str, object], where: str) -> ReplyQuestion:
    try:
        expect = obj.get("expect")
        facts = tuple(str(f) for f in obj.get("facts_any") or ())  # type: ignore[attr-defined]
        q = ReplyQuestion(
            id=str(obj["id"]),
            lang=str(obj.get("lang") or "en"),
            question=str(obj["question"]),
            doc_id=None if obj.get("doc_id") is None else str(obj["doc_id"]),
            facts_any=facts,
            expect=None if expect is None else str(expect),
        )
    except (KeyError, TypeError) as exc:
        raise QuestionError(f"{where}: a question line needs \"id\" and \"question\" ({type(exc).__name__})") from None
    if q.expect not in (None, DECLINE):
        raise QuestionError(f"{where}: \"expect\" must be \"{DECLINE}\" when present")
    if not q.declines and not q.facts_any:
        raise QuestionError(f"{where}: an in-scope question needs \"facts_any\"")
    return q


def load_questions(path: Path) -> list[ReplyQuestion]:
    out: list[ReplyQuestion] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            raise QuestionError(f"{path}:{n}: not JSON") from None
        if not isinstance(obj, dict):
            raise QuestionError(f"{path}:{n}: a question line is a JSON object")
        out.append(parse_question(obj, f"{path}:{n}"))
    return out


def select(questions: Sequence[ReplyQuestion], split: str | None, limit: int | None) -> list[ReplyQuestion]:
    """The questions of `split` (by id prefix; None: all), then at most `limit` of them: out-of-scope ones in
    proportion, and each part taken round-robin over the languages, so a short run covers every language."""
    chosen = [q for q in questions if split is None or q.split == split]
    if limit is None or limit >= len(chosen):
        return chosen
    declines = [q for q in chosen if q.declines]
    answers = [q for q in chosen if not q.declines]
    n_decline = min(len(declines), round(limit * len(declines) / len(chosen)))
    if declines and limit >= 4:
        n_decline = max(n_decline, 1)
    picked = {q.id for q in _by_language(answers)[: limit - n_decline] + _by_language(declines)[:n_decline]}
    return [q for q in chosen if q.id in picked]


def _by_language(items: Sequence[ReplyQuestion]) -> list[ReplyQuestion]:
    """`items` reordered round-robin over their languages (each language's own order kept)."""
    lanes: dict[str, list[ReplyQuestion]] = {}
    for q in items:
        lanes.setdefault(q.lang, []).append(q)
    out: list[ReplyQuestion] = []
    for i in range(max((len(v) for v in lanes.values()), default=0)):
        out.extend(lane[i] for lane in lanes.values() if i < len(lane))
    return out
