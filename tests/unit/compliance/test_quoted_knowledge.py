"""Article words are not PII: text a reply quotes from its cited passages or titles is never masked as a
person's name (issue 14: a Japanese reply showed "<PERSON> mobile data" for the title "Slow mobile data")."""

from __future__ import annotations

import pytest

from relaydesk.compliance import core
from relaydesk.compliance.config import ComplianceSettings
from relaydesk.compliance.core import ComplianceDeps, default_policy
from relaydesk.compliance.pii import Redactor
from relaydesk.compliance.quoted import inside_quote, quoted_regions
from relaydesk.compliance.tenants import TenantPolicies
from relaydesk.events import Reply, RetrievalAnnotation, RetrievalHit

from .helpers import draft

SLOW = RetrievalHit(
    doc_id="slow-data", chunk_id="slow-data#0", title="Slow mobile data", score=0.8, version=1,
    text="If your mobile data is slow, restart your phone and check your data allowance in the app.",
)
AGENTS = RetrievalHit(
    doc_id="agents", chunk_id="agents#0", title="Our team", score=0.5, version=1,
    text="Our support lead Maria Lopez answers billing questions on weekdays.",
)


@pytest.fixture
def deps(redactor: Redactor) -> ComplianceDeps:
    settings = ComplianceSettings()
    return ComplianceDeps(redactor=redactor, tenants=TenantPolicies(default_policy(settings)), settings=settings)


def _reply(deps: ComplianceDeps, text: str, hits: list[RetrievalHit], used: list[str]) -> Reply:
    d = draft(text, retrieval=RetrievalAnnotation(kb_version=1, query="q", hits=hits), sources_used=used)
    return next(e for e in core.handle(d, deps) if isinstance(e, Reply))


@pytest.mark.parametrize(
    ("text", "hits", "used", "verdict", "kept"),
    [
        # the reply: a Japanese lead around an English title, NER reads "「Slow" as a person
        ("「Slow mobile data」より：If your mobile data is slow, restart your phone.", [SLOW], ["slow-data"],
         "pass", "「Slow mobile data」"),
        # a name the cited passage publishes, quoted with its context
        ("Our support lead Maria Lopez answers billing questions on weekdays.", [AGENTS], ["agents"],
         "pass", "Maria Lopez"),
        # a customer's name is no quote: masked
        ("Thanks John Smith, restart your phone and check your data allowance.", [SLOW], ["slow-data"],
         "redacted", "<PERSON>"),
    ],
)
def test_when_reply_quotes_cited_knowledge_then_its_words_are_not_masked(
    deps: ComplianceDeps, text: str, hits: list[RetrievalHit], used: list[str], verdict: str, kept: str
) -> None:
    reply = _reply(deps, text, hits, used)
    assert reply.compliance.verdict == verdict
    assert kept in reply.text


def test_when_title_is_detected_as_a_name_then_the_detector_really_fires() -> None:
    # Guards the test above: without the quote rule, the real redactor masks the title word.
    from relaydesk.compliance.pii import get_redactor

    text = "「Slow mobile data」より：If your mobile data is slow, restart your phone."
    spans = get_redactor().analyze(text, "en")
    assert any(s.type == "PERSON" and "Slow" in text[s.start : s.end] for s in spans)


@pytest.mark.parametrize(
    ("reply", "span", "quoted"),
    [
        # three words in a row from the passage, case and punctuation aside
        ("Please RESTART your phone now.", "RESTART", True),
        # two words only: too little to call a quote
        ("Restart your router.", "Restart", False),
        # a whole title, however short
        ("See “Slow mobile data” for more.", "Slow", True),
        # words of the passage, but not in its order
        ("Phone your restart.", "Phone", False),
    ],
)
def test_when_words_follow_a_cited_passage_then_they_are_a_quote(reply: str, span: str, quoted: bool) -> None:
    regions = quoted_regions(reply, [SLOW.text], [SLOW.title])
    start = reply.index(span)
    assert inside_quote(start, start + len(span), reply, regions) is quoted


@pytest.mark.parametrize(
    ("value", "exempt"),
    [
        # punctuation the detector took along is no part of the value
        ("「Slow", True),
        # the name as the source writes it
        ("Maria Lopez", True),
        # part of a longer word is not the name
        ("Mar", False),
    ],
)
def test_when_name_span_is_compared_with_sources_then_whole_words_without_punctuation(
    value: str, exempt: bool
) -> None:
    from relaydesk.compliance.pii import PiiSpan
    from relaydesk.compliance.sources import SourceExemption

    exemption = SourceExemption([f"{SLOW.title}\n{SLOW.text}", AGENTS.text], ["PERSON"])
    assert exemption(PiiSpan("PERSON", 0, len(value), 0.85), value) is exempt
