"""Forbidden claims: built-in categories in four languages (package data) plus a tenant's own phrases.

A finding names the rule and the offsets in the reply; the matched words are never recorded.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from relaydesk.events import Finding

CATEGORY = "forbidden_claim"
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


@dataclass(frozen=True)
class ClaimCategory:
    name: str
    default: bool
    patterns: tuple[tuple[str, re.Pattern[str]], ...]  # (language, pattern)
    grants: tuple[re.Pattern[str], ...] = ()

    def granted_by(self, sources: str) -> bool:
        return bool(self.grants) and any(g.search(sources) for g in self.grants)


@dataclass(frozen=True)
class ClaimPolicy:
    """What one tenant forbids: the categories that apply and its literal phrases (lower-cased)."""

    categories: tuple[ClaimCategory, ...]
    phrases: tuple[str, ...] = ()
    version: str = ""


@dataclass(frozen=True)
class PolicyFile:
    version: str
    categories: dict[str, ClaimCategory]
    fallback: dict[str, str] = field(default_factory=dict)


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def parse_policy(data: dict[str, Any]) -> PolicyFile:
    categories: dict[str, ClaimCategory] = {}
    for name, spec in data["categories"].items():
        patterns = tuple((lang, _compile(p)) for lang, items in spec["patterns"].items() for p in items)
        grants = tuple(_compile(p) for p in spec.get("grant", []))
        categories[name] = ClaimCategory(name, bool(spec.get("default", True)), patterns, grants)
    return PolicyFile(str(data["version"]), categories, dict(data.get("fallback", {})))


@lru_cache(maxsize=1)
def builtin_policy() -> PolicyFile:
    text = resources.files("relaydesk.compliance.policies").joinpath("forbidden_claims.yaml").read_text("utf-8")
    return parse_policy(yaml.safe_load(text))


def tenant_policy(forbidden_claims: Sequence[str], policy: PolicyFile | None = None) -> ClaimPolicy:
    """A tenant's list may name built-in categories (then only those apply) and add literal phrases.
    An empty list means the built-in defaults."""
    policy = policy or builtin_policy()
    named = [c for c in forbidden_claims if c in policy.categories]
    phrases = tuple(sorted({p.strip().lower() for p in forbidden_claims if p not in policy.categories and p.strip()}))
    if named:
        categories = tuple(policy.categories[c] for c in dict.fromkeys(named))
    else:
        categories = tuple(c for c in policy.categories.values() if c.default)
    digest = hashlib.sha256("\n".join([*named, *phrases]).encode()).hexdigest()[:8] if (named or phrases) else ""
    version = policy.version + (f"+{digest}" if digest else "")
    return ClaimPolicy(categories, phrases, version)


def phrase_rule_id(phrase: str) -> str:
    # The id must not carry the phrase itself into audit records; a short hash is stable and private.
    return f"claims.tenant.{hashlib.sha256(phrase.encode()).hexdigest()[:8]}"


def check_claims(text: str, policy: ClaimPolicy, sources: str) -> list[Finding]:
    """Findings for every forbidden claim in `text`. `sources` is the retrieved knowledge, joined."""
    findings: list[Finding] = []
    # Chinese and Japanese patterns cannot match text without CJK characters, nor Latin ones without letters.
    scripts = ({"zh", "ja"} if _CJK.search(text) else set()) | ({"en", "id"} if _LATIN.search(text) else set())
    for category in policy.categories:
        if category.granted_by(sources):
            continue
        seen: list[tuple[int, int]] = []
        for lang, pattern in category.patterns:
            if lang not in scripts:
                continue
            for m in pattern.finditer(text):
                # Two patterns of one category on the same words are one claim.
                if any(m.start() < e and s < m.end() for s, e in seen):
                    continue
                seen.append((m.start(), m.end()))
                findings.append(
                    Finding(rule_id=f"claims.{category.name}.{lang}", category=CATEGORY, start=m.start(), end=m.end())
                )
    lowered = text.lower()
    for phrase in policy.phrases:
        for start in _find_all(lowered, phrase):
            findings.append(
                Finding(rule_id=phrase_rule_id(phrase), category=CATEGORY, start=start, end=start + len(phrase))
            )
    return findings


def _find_all(haystack: str, needle: str) -> Iterable[int]:
    start = haystack.find(needle)
    while start != -1:
        yield start
        start = haystack.find(needle, start + 1)
