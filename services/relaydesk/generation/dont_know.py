"""Saying "I don't know" well: when the question is out of scope or no retrieved passage really answers it,
the reply says so in the customer's language, names the closest help-centre topics, and passes the question
to a person. It never pastes an unrelated article.

When is a passage no answer? Neither signal alone decides. Intent marks many in-scope turns out of scope
(28% on the reply eval's dev split) and retrieval's fused top score is near 1 for almost every question, so
the decisive evidence is the embedder's best query-sentence similarity over the retrieved passages' sentences
(multilingual-e5-small, any language):
- intent says out of scope: decline unless some sentence scores at least OUT_OF_SCOPE_MIN_VECTOR_SCORE;
- intent says in scope: decline only when no sentence reaches MIN_VECTOR_SCORE (clearly unrelated).
Without vectors (scorer off or failed) shared words decide, where question and passages share a language: no
sentence or title holds any of the question's content terms (or, for a turn intent marks out of scope, less
than a quarter of them); across languages without vectors only an out-of-scope turn is declined.
"""

from __future__ import annotations

from collections.abc import Sequence

from relaydesk.events.annotations import IntentAnnotation
from relaydesk.generation.answer_sentences import RankedSentence, same_language
from relaydesk.generation.ports import SourceSnippet
from relaydesk.generation.text import content_terms

OUT_OF_SCOPE = "out_of_scope"
NO_ANSWER = "no_answer"

# Without vectors, out of scope needs this much of the question covered to answer anyway (same language).
OUT_OF_SCOPE_MIN_OVERLAP = 0.25
# multilingual-e5-small best query-sentence cosine. Tuned on the reply eval's dev split: in-scope questions
# scored 0.843-0.936 (those intent marks out of scope: 0.852 and up), out-of-scope ones 0.751-0.891 (six of
# eight below 0.85). At 0.85 for an out-of-scope turn no in-scope question was declined and six of eight
# out-of-scope ones were; the floor for an in-scope turn sits below every in-scope score seen.
MIN_VECTOR_SCORE = 0.80
OUT_OF_SCOPE_MIN_VECTOR_SCORE = 0.85

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
    if vectors:  # the embedder's similarity is evidence in every language: it decides
        best_vector = max(r.vector for r in ranked)
        floor = OUT_OF_SCOPE_MIN_VECTOR_SCORE if out_of_scope else MIN_VECTOR_SCORE
        if best_vector < floor:
            return OUT_OF_SCOPE if out_of_scope else NO_ANSWER
        return None
    best_overlap = max(r.overlap for r in ranked)
    if any(same_language(question, f"{s.title}. {s.text}") for s in sources):
        if out_of_scope and best_overlap < OUT_OF_SCOPE_MIN_OVERLAP:
            return OUT_OF_SCOPE
        if best_overlap == 0.0 and len(set(content_terms(question))) >= 2:
            return NO_ANSWER
        return None
    return OUT_OF_SCOPE if out_of_scope else None
