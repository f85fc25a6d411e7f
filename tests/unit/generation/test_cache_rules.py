"""Semantic-cache rules: similarity, unchanged sources, lexical guards, pending replies."""

from __future__ import annotations

import numpy as np
import pytest

from relaydesk.events import RetrievalHit
from relaydesk.generation.cache import (
    PendingReplies,
    PendingReply,
    choose_cached,
    question_kind,
    question_signature,
)
from relaydesk.generation.ports import CachedSource, CacheEntry, CacheScope, SourceSnippet

SHIPPING = ("We ship to the EU, the United Kingdom and Norway. Express shipping costs 9.90 EUR; standard "
            "shipping is free above 50 EUR.")


def entry(question: str, answer: str, doc: str = "shipping", version: int = 3) -> CacheEntry:
    terms, keys = question_signature(question)
    return CacheEntry(reply_id=f"r-{question}", tenant_id="acme", text=answer,
                      sources=[CachedSource(doc_id=doc, version=version)], kb_version=9, embed_model="e5",
                      question_terms=terms, question_keys=keys, question_kind=question_kind(question))


def hit(doc: str = "shipping", version: int = 3) -> RetrievalHit:
    return RetrievalHit(doc_id=doc, chunk_id=f"{doc}#0", title="", text=SHIPPING, score=1.0, version=version)


NORWAY = entry("Do you ship to Norway?", "Yes, we ship to Norway.")
EXPRESS = entry("How much is express shipping?", "Express shipping costs 9.90 EUR.")


@pytest.mark.parametrize(
    ("cached", "question", "score", "hits", "reused"),
    [
        # a paraphrase above the threshold, same document version
        (NORWAY, "Can I get my order shipped to Norway?", 0.93, [hit()], True),
        # below the threshold
        (NORWAY, "Can I get my order shipped to Norway?", 0.85, [hit()], False),
        # the document changed
        (NORWAY, "Can I get my order shipped to Norway?", 0.95, [hit(version=4)], False),
        # the document is not among the hits at all
        (NORWAY, "Can I get my order shipped to Norway?", 0.95, [hit("returns")], False),
        # another country: a key term the cached question lacks
        (NORWAY, "Do you ship to Japan?", 0.93, [hit()], False),
        # the cached question's key term is missing from the new one
        (NORWAY, "Do you ship abroad?", 0.93, [hit()], False),
        # a detail of the page the cached answer does not cover
        (EXPRESS, "How much is standard shipping?", 0.93, [hit()], False),
        # a different kind of question about the same thing
        (EXPRESS, "How fast is express shipping?", 0.96, [hit()], False),
        # a price question again, in other words
        (EXPRESS, "What's the price of express shipping?", 0.95, [hit()], True),
    ],
)
def test_when_candidate_is_checked_then_only_fitting_replies_are_reused(
    cached: CacheEntry, question: str, score: float, hits: list[RetrievalHit], reused: bool
) -> None:
    decision = choose_cached([(cached, score)], hits, question, threshold=0.9)
    assert (decision.entry is not None) is reused
    assert decision.similarity == score


def test_when_several_candidates_then_best_fitting_one_wins() -> None:
    decision = choose_cached([(NORWAY, 0.91), (EXPRESS, 0.97)], [hit()], "Can you ship to Norway?", 0.9)
    assert decision.entry is NORWAY and decision.similarity == 0.91


def test_when_no_candidates_then_no_similarity() -> None:
    decision = choose_cached([], [hit()], "anything", 0.9)
    assert decision.entry is None and decision.similarity is None


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How long do refunds take?", "time"),
        ("What are your opening hours?", "time"),
        ("How much is express shipping?", "price"),
        ("Where is my nearest store?", "place"),
        ("How do I reset my password?", "procedure"),
        ("Do you ship to Norway?", "yes_no"),
        ("password reset", None),
    ],
)
def test_when_question_is_classified_then_kind(question: str, kind: str | None) -> None:
    assert question_kind(question) == kind


def pending(doc: str, tenant: str = "acme") -> PendingReply:
    source = SourceSnippet(doc_id=doc, chunk_id=f"{doc}#0", text="t", version=2)
    return PendingReply(tenant_id=tenant, conversation_id="c", sources=[source], vector=np.ones(3, np.float32),
                        scope=CacheScope(tenant, "en", 1, "e5"), cacheable=True)


def test_when_pending_replies_overflow_then_oldest_go() -> None:
    replies = PendingReplies(capacity=2)
    for i in range(3):
        replies.put(f"r{i}", pending("a"))
    assert len(replies) == 2 and replies.pop("r0") is None and replies.pop("r2") is not None


def test_when_doc_changes_then_only_its_tenants_pending_replies_stop_being_cacheable() -> None:
    replies = PendingReplies()
    replies.put("mine", pending("refunds"))
    replies.put("other-doc", pending("shipping"))
    replies.put("other-tenant", pending("refunds", tenant="globex"))
    assert replies.drop_doc("acme", "refunds") == 1
    assert [replies.pop(k).cacheable for k in ("mine", "other-doc", "other-tenant")] == [False, True, True]


def test_when_pending_becomes_entry_then_it_keeps_versions_and_scope() -> None:
    made = pending("refunds").entry("r1", "Refunds take 5 days.", "smol")
    assert made is not None
    assert made.sources == [CachedSource(doc_id="refunds", version=2, chunk_id="refunds#0", title="")]
    assert (made.lang, made.config_revision, made.embed_model, made.model) == ("en", 1, "e5", "smol")
