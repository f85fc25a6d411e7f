"""The rubric as code: sections of yes/no/na questions with weights, auto-fail items and conditions.

A rubric is YAML (the built-in default ships as `default_rubric.yaml`; a tenant may configure its own). Its
version is a hash of its content, so every score names exactly the rules that produced it and a replay under
a changed rubric writes scores under a new version.

Score: 100 x (weight of `yes`) / (weight of answered, non-`na` questions), and 0 when an auto-fail item is `no`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

Answer = Literal["yes", "no", "na"]
ANSWERS: tuple[str, ...] = ("yes", "no", "na")
# What a condition may test (see Condition.holds).
CONDITION_KEYS = ("direction", "channel", "lang", "first_speaker", "staff")


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Question(_Frozen):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    text: str = ""
    weight: float = Field(default=1.0, gt=0)
    # The check that answers it (see qa/checks.py); default: the question id.
    check: str | None = None
    auto_fail: bool = False
    allow_na: bool = False
    # Conditions on the conversation (all must hold); otherwise the answer is `na`.
    when: dict[str, list[str]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _known_conditions(self) -> Question:
        unknown = set(self.when) - set(CONDITION_KEYS)
        if unknown:
            raise ValueError(f"unknown condition keys {sorted(unknown)}; allowed: {list(CONDITION_KEYS)}")
        if self.when and not self.allow_na:
            raise ValueError(f"question {self.id} has conditions, so it must allow na")
        return self

    @property
    def check_name(self) -> str:
        return self.check or self.id

    def applies(self, facts: Mapping[str, str]) -> bool:
        return all(facts.get(key) in values for key, values in self.when.items())


class Section(_Frozen):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    title: str = ""
    questions: list[Question] = Field(min_length=1)


class Rubric(_Frozen):
    name: str = Field(min_length=1, max_length=128)
    sections: list[Section] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> Rubric:
        ids = [q.id for q in self.questions()]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate question ids {dupes}")
        return self

    def questions(self) -> Iterator[Question]:
        for section in self.sections:
            yield from section.questions

    def question(self, question_id: str) -> Question:
        for q in self.questions():
            if q.id == question_id:
                return q
        raise KeyError(question_id)

    @property
    def question_ids(self) -> tuple[str, ...]:
        return tuple(q.id for q in self.questions())

    @property
    def auto_fail_ids(self) -> tuple[str, ...]:
        return tuple(q.id for q in self.questions() if q.auto_fail)

    @property
    def version(self) -> str:
        return rubric_version(self)

    def score(self, answers: Mapping[str, str]) -> tuple[float | None, bool]:
        """(score 0-100 or None when nothing was answerable, auto_failed)."""
        yes = answered = 0.0
        failed = False
        for q in self.questions():
            answer = answers.get(q.id, "na")
            if answer == "na":
                continue
            answered += q.weight
            if answer == "yes":
                yes += q.weight
            elif q.auto_fail:
                failed = True
        if failed:
            return 0.0, True
        if answered == 0:
            return None, False
        return round(100.0 * yes / answered, 2), False


def rubric_version(rubric: Rubric) -> str:
    """A hash of the rubric's content (not of its YAML text: comments and key order don't change it)."""
    canonical = json.dumps(rubric.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return "r" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]


def parse_rubric(text: str) -> Rubric:
    try:
        doc: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError(f"a rubric must be YAML ({type(exc).__name__})") from None
    if not isinstance(doc, dict):
        raise ValueError("a rubric is a YAML mapping with `name` and `sections`")
    return Rubric.model_validate(doc)


def load_rubric(path: Path | None = None) -> Rubric:
    """The rubric in `path`, or the built-in default."""
    if path is None:
        return default_rubric()
    return parse_rubric(Path(path).read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def default_rubric() -> Rubric:
    text = resources.files("relaydesk.qa").joinpath("default_rubric.yaml").read_text(encoding="utf-8")
    return parse_rubric(text)


@lru_cache(maxsize=64)
def cached_rubric(text: str) -> Rubric:
    """Tenant rubrics arrive as YAML text in tenant config; parse each distinct text once."""
    return parse_rubric(text)
