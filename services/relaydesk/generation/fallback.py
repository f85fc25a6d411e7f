"""The safe answers: the sentences that answer, quoted from the best passage (extractive), and hand-off to a
person with a short summary.

Used when the customer asks for a person, when emotion says escalate, when there is no usable knowledge,
and when generation times out, fails or is judged ungrounded. The customer always gets an answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from relaydesk.common import metrics
from relaydesk.common.lang import detect_lang
from relaydesk.events.annotations import EmotionAnnotation, GuardAnnotation, IntentAnnotation
from relaydesk.events.reply import HandoffReason
from relaydesk.generation.answer_sentences import RankedSentence, quote, rank_sentences
from relaydesk.generation.ports import HistoryTurn, SourceSnippet

Priority = Literal["low", "normal", "high", "urgent"]

# A draft's fallback_reason when the knowledge store failed (retrieval marked the turn): not "no knowledge".
KNOWLEDGE_UNAVAILABLE = "knowledge_unavailable"


def record_fallback(kind: str) -> None:
    """Count a defined degradation of the generation stage in FALLBACKS{stage="generation", kind}: a model
    failure (timeout, unavailable, rejected, error, incomplete, empty, ungrounded) or a language the model is
    not asked to write in (model_language), answered extractively or
    handed off, a cache read or write failure, history unavailable, the knowledge store unavailable, a
    partial stream stopped."""
    metrics.FALLBACKS.labels("generation", kind).inc()

def record_ungrounded(reason: str) -> None:
    """Count why the grounding check could not vouch for a generated answer (negation, number, unit,
    condition, restates_question, ...) in GROUNDING_REJECTIONS{stage="generation", reason}; the extractive
    answer that replaced it is counted in FALLBACKS as "ungrounded"."""
    metrics.GROUNDING_REJECTIONS.labels("generation", reason).inc()


_HANDOFF_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "customer_request": "I'm connecting you with a member of our team now. They will see this conversation, "
        "so you won't need to repeat yourself.",
        "escalation": "I'm sorry about this. I'm bringing in a member of our team who can sort it out, and they "
        "will have the whole conversation.",
        "no_knowledge": "I don't have a reliable answer to that, so I'm passing your question to a member of "
        "our team.",
        "generation_failed": "I couldn't put an answer together just now, so I'm passing your question to a "
        "member of our team.",
        "attack": "I can only help with questions about our products and services. I'm passing this "
        "conversation to a member of our team.",
    },
    "zh": {
        "customer_request": "正在为您转接人工客服，他们可以看到本次对话，您无需重复说明。",
        "escalation": "非常抱歉给您带来不便。我们正在为您转接人工客服，他们会看到完整的对话。",
        "no_knowledge": "我暂时没有可靠的答案，已将您的问题转交给人工客服。",
        "generation_failed": "我暂时无法给出答案，已将您的问题转交给人工客服。",
        "attack": "我只能回答与我们的产品和服务相关的问题。本次对话已转交给人工客服。",
    },
    "ja": {
        "customer_request": "担当者におつなぎします。これまでの会話は担当者に引き継がれますので、"
        "同じ説明を繰り返す必要はありません。",
        "escalation": "ご不便をおかけして申し訳ございません。担当者におつなぎします。"
        "会話の内容はすべて引き継がれます。",
        "no_knowledge": "確かなお答えができないため、ご質問を担当者に引き継ぎます。",
        "generation_failed": "ただいま回答を作成できないため、ご質問を担当者に引き継ぎます。",
        "attack": "当社の製品とサービスに関するご質問のみお受けしています。この会話を担当者に引き継ぎます。",
    },
    "id": {
        "customer_request": "Saya sambungkan Anda dengan tim kami sekarang. Mereka dapat melihat percakapan ini, "
        "jadi Anda tidak perlu mengulang.",
        "escalation": "Mohon maaf atas ketidaknyamanan ini. Saya libatkan tim kami untuk membantu, dan mereka "
        "dapat melihat seluruh percakapan.",
        "no_knowledge": "Saya belum punya jawaban yang pasti, jadi pertanyaan Anda saya teruskan ke tim kami.",
        "generation_failed": "Saya belum bisa menyusun jawaban saat ini, jadi pertanyaan Anda saya teruskan ke "
        "tim kami.",
        "attack": "Saya hanya dapat membantu pertanyaan tentang produk dan layanan kami. Percakapan ini saya "
        "teruskan ke tim kami.",
    },
}

# Only when the quoted sentences are in another language than the customer's: a word saying where they come
# from. In the customer's language the sentences speak for themselves (the reply cites its sources).
_OTHER_LANGUAGE_LEAD: dict[str, str] = {
    "en": "From our help centre: {text}",
    "zh": "帮助中心的说明：{text}",
    "ja": "ヘルプセンターの案内：{text}",
    "id": "Dari pusat bantuan kami: {text}",
}


# Said when the customer sent a card number or an identity number (the guard removed it before anything else
# saw it): card data must not be collected over chat (PCI DSS), and the customer should know it was not kept.
_SECURITY_NOTICE: dict[str, str] = {
    "en": "For your security, please don't send card or ID numbers in chat. I've removed it from this "
    "conversation.",
    "zh": "为了您的安全，请不要在聊天中发送银行卡号或证件号码。我们已将其从对话中删除。",
    "ja": "安全のため、チャットでカード番号や個人番号を送らないでください。この会話からは削除しました。",
    "id": "Demi keamanan Anda, mohon jangan kirim nomor kartu atau nomor identitas lewat chat. Nomor itu sudah "
    "saya hapus dari percakapan ini.",
}
SENSITIVE_TYPES = frozenset({"CREDIT_CARD", "IBAN_CODE", "US_SSN", "CN_RESIDENT_ID", "JP_MY_NUMBER", "ID_NIK"})


def with_security_notice(text: str, guard: GuardAnnotation | None, lang: str | None) -> str:
    """The reply, led by a security notice when the customer's turn carried card or identity numbers."""
    if guard is None or not any(e.type in SENSITIVE_TYPES for e in guard.pii):
        return text
    return f"{_SECURITY_NOTICE[_lang(lang)]} {text}"


def _lang(lang: str | None) -> str:
    base = (lang or "en").split("-")[0].lower()
    return base if base in _HANDOFF_TEXT else "en"


def handoff_text(reason: HandoffReason, lang: str | None) -> str:
    table = _HANDOFF_TEXT[_lang(lang)]
    return table.get(reason, table["no_knowledge"])


@dataclass(frozen=True)
class Extract:
    text: str  # the customer-facing reply
    passage: str  # the passage alone
    source: SourceSnippet


def extractive_answer(
    question: str, sources: Sequence[SourceSnippet], max_chars: int, lang: str | None, trust_question: bool = True,
    ranked: Sequence[RankedSentence] | None = None,
) -> Extract | None:
    """The one or two sentences that best answer the question, quoted from their passage (see
    `answer_sentences.quote`). An untrusted question does not steer the choice: retrieval order does.
    `ranked`: the sentence ranking the caller already has for this question (trusted questions only)."""
    if not sources:
        return None
    if ranked is None or not trust_question:
        ranked = rank_sentences(question if trust_question else "", sources)
    quoted = quote(sources, ranked, max_chars)
    if quoted is None:
        return None
    source, passage = quoted
    text = passage
    if lang and detect_lang(passage, "en") != _lang(lang):
        text = _OTHER_LANGUAGE_LEAD[_lang(lang)].format(text=passage)
    return Extract(text=text, passage=passage, source=source)


def handoff_priority(reason: HandoffReason, emotion: EmotionAnnotation | None) -> Priority:
    if reason == "escalation":
        return "urgent" if emotion is not None and emotion.label in ("anger", "disgust") else "high"
    if reason == "customer_request" and emotion is not None and emotion.sentiment <= -0.5:
        return "high"
    return "normal"


_REASON_TEXT: dict[str, str] = {
    "customer_request": "The customer asked for a person.",
    "escalation": "Escalated on the customer's emotion.",
    "no_knowledge": "No knowledge-base article answers this.",
    "generation_failed": "The assistant could not produce a grounded answer.",
    "attack": "The message was flagged as a prompt-injection attempt.",
    "blocked_reply": "The drafted reply was blocked by compliance.",
}


def handoff_summary(
    reason: HandoffReason,
    question: str,
    history: Sequence[HistoryTurn],
    intent: IntentAnnotation | None,
    emotion: EmotionAnnotation | None,
    include_question: bool = True,
    max_chars: int = 2000,
) -> str:
    """A few lines an agent can read at a glance. The text is already redacted upstream; a flagged
    injection attempt is described, not quoted."""
    lines = [_REASON_TEXT.get(reason, reason)]
    if intent is not None:
        lines.append(f"Intent: {intent.label} ({intent.confidence:.2f}).")
    if emotion is not None:
        trend = ", escalating" if emotion.escalate else ""
        lines.append(f"Emotion: {emotion.label}, sentiment {emotion.sentiment:+.2f}{trend}.")
    customer_turns = [t for t in history if t.role == "customer"]
    lines.append(f"Customer turns so far: {len(customer_turns) + 1}.")
    if include_question:
        lines.append(f"Latest message: {question.strip()[:400]}")
        earlier = [t.text.strip()[:160] for t in customer_turns[-3:]]
        if earlier:
            lines.append("Earlier: " + " | ".join(earlier))
    summary = "\n".join(lines)
    return summary if len(summary) <= max_chars else summary[: max_chars - 1] + "…"
