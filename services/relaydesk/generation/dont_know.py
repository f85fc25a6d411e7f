"""Saying "I don't know" well: when the question is out of scope or no retrieved passage really answers it,
the reply says so in the customer's language, names the closest help-centre topics, and passes the question
to a person. It never pastes an unrelated article.

When is a passage no answer? Lexically, when the question and the passages share a language and no sentence
or title holds any of the question's content terms (or, for a turn intent marks out of scope, less than
a quarter of them). Across languages words cannot tell, so the embedder's sentence similarity decides when it is
at hand; without it only an out-of-scope turn is declined.
"""

from __future__ import annotations

from collections.abc import Sequence

from relaydesk.events.annotations import IntentAnnotation
from relaydesk.generation.answer_sentences import RankedSentence, same_language
from relaydesk.generation.ports import SourceSnippet
from relaydesk.generation.text import content_terms

OUT_OF_SCOPE = "out_of_scope"
NO_ANSWER = "no_answer"

# Out of scope needs this much of the question covered to answer anyway (same language). Tuned on the reply
# eval's dev split: at 0.5, 7 of 8 out-of-scope questions were declined but so were 9 of 56 in-scope ones
# (intent marks many in-scope turns out of scope); at 0.25, 6 of 8 and 3 of 56.
OUT_OF_SCOPE_MIN_OVERLAP = 0.25
# multilingual-e5-small query-sentence cosine below which no sentence answers. Set from a handful of
# cross-lingual pairs measured by hand (answering sentences 0.79-0.86, unrelated ones 0.70-0.81), not
# calibrated on a dev set: low enough to decline only clearly unrelated passages.
MIN_VECTOR_SCORE = 0.76
OUT_OF_SCOPE_MIN_VECTOR_SCORE = 0.78

_TEXT: dict[str, tuple[str, str]] = {  # (no topics, with topics)
    "en": (
        "Sorry, I don't have an answer to that. I'm passing your question to a member of our team.",
        "Sorry, I don't have an answer to that. I'm passing your question to a member of our team. "
        "These help-centre topics may be close: {topics}.",
    ),
    "zh": (
        "抱歉，我没有这个问题的答案，已将您的问题转交给人工客服。",
        "抱歉，我没有这个问题的答案，已将您的问题转交给人工客服。以下帮助中心主题可能相关：{topics}。",
    ),
    "ja": (
        "申し訳ありませんが、そのご質問にはお答えできません。担当者に引き継ぎます。",
        "申し訳ありませんが、そのご質問にはお答えできません。担当者に引き継ぎます。"
        "関連しそうなヘルプセンターの記事：{topics}。",
    ),
    "id": (
        "Maaf, saya tidak punya jawaban untuk itu. Pertanyaan Anda saya teruskan ke tim kami.",
        "Maaf, saya tidak punya jawaban untuk itu. Pertanyaan Anda saya teruskan ke tim kami. "
        "Topik pusat bantuan yang mungkin terkait: {topics}.",
    ),
}
_QUOTES = {"en": "“{}”", "zh": "《{}》", "ja": "「{}」", "id": "“{}”"}
_JOIN = {"en": ", ", "zh": "、", "ja": "、", "id": ", "}


def _lang(lang: str | None) -> str:
    base = (lang or "en").split("-")[0].lower()
    return base if base in _TEXT else "en"


def dont_know_text(lang: str | None, titles: Sequence[str], max_topics: int = 3) -> str:
    key = _lang(lang)
    names = [t.strip() for t in dict.fromkeys(titles) if t.strip()][:max_topics]
    plain, with_topics = _TEXT[key]
    if not names:
        return plain
    topics = _JOIN[key].join(_QUOTES[key].format(t) for t in names)
    return with_topics.format(topics=topics)


def unanswered(
    question: str,
    sources: Sequence[SourceSnippet],
    ranked: Sequence[RankedSentence],
    intent: IntentAnnotation | None,
    vectors: bool,
) -> str | None:
    """OUT_OF_SCOPE or NO_ANSWER when the passages do not answer the question, else None. `vectors`: the
    ranking's scores are embedder similarities."""
    if not sources or not ranked:
        return NO_ANSWER
    out_of_scope = intent is not None and intent.out_of_scope
    best = ranked[0]
    best_overlap = max(r.overlap for r in ranked)
    comparable = any(same_language(question, f"{s.title}. {s.text}") for s in sources)
    if comparable:
        if out_of_scope and best_overlap < OUT_OF_SCOPE_MIN_OVERLAP:
            return OUT_OF_SCOPE
        if best_overlap == 0.0 and len(set(content_terms(question))) >= 2:
            return NO_ANSWER
        return None
    if vectors:
        floor = OUT_OF_SCOPE_MIN_VECTOR_SCORE if out_of_scope else MIN_VECTOR_SCORE
        if best.score < floor:
            return OUT_OF_SCOPE if out_of_scope else NO_ANSWER
        return None
    return OUT_OF_SCOPE if out_of_scope else None
