"""An explicit request for a person ("agent please", 转人工, オペレーターと話したい, "saya mau bicara dengan
orang"): its own signal, whatever the top intent says. An angry "Let me talk to a real person now" is a
`complaint` to the intent classifier, yet what the customer wants is a person, and that must win.

Patterns, not a model: the request has a small, stable vocabulary per language, and a false positive costs
one hand-off while a miss is what users complain about most. Mentions that are not requests ("is a real
person reading this?", "my travel agent") do not count."""

from __future__ import annotations

import re

# A word for a human on the company's side.
_EN_PERSON = (
    r"(?:(?:a|an|the|some|any|your)\s+)?(?:(?:real|live|actual|human|proper|customer\s+service|support|"
    r"service)\s+)*(?:person|human(?:\s+being)?|agent|operator|representative|rep|someone|somebody|"
    r"team\s+member|member\s+of\s+(?:your|the)\s+(?:team|staff)|advisor|adviser|supervisor|manager)"
)
_EN = [
    # "let me talk to / I want to speak with / can I chat with / put me through to / connect me with ..."
    rf"\b(?:talk|speak|chat)\s+(?:to|with)\s+{_EN_PERSON}\b",
    rf"\b(?:put|transfer|connect|pass)\s+me\s+(?:through\s+)?(?:to|with)\s+{_EN_PERSON}\b",
    rf"\b(?:get|give|find)\s+me\s+{_EN_PERSON}\b",
    # "agent please", "human!", "operator now", "representative" on its own
    r"^\W*(?:(?:a|an)\s+)?(?:real\s+|live\s+|human\s+)?(?:agent|human|operator|representative|person)"
    r"(?:\s*,?\s*(?:please|pls|now|asap))*\W*$",
    r"\b(?:agent|human|operator|representative)\s*,?\s*(?:please|pls)\b",
    r"\bi\s+(?:want|need|demand)\s+(?:a\s+)?(?:real\s+|live\s+)?(?:human|person|agent|operator)\b",
    r"\bno\s+more\s+(?:bots?|robots?|machines?)\b",
    r"\b(?:stop|enough)\b.{0,20}\b(?:bot|robot|machine)\b.{0,30}\b(?:human|person|agent)\b",
]
_ZH = [
    r"转人工", r"轉人工", r"人工(?:客服|服务|服務|坐席)", r"(?:找|要|叫|换|換)(?:个|個)?(?:真)?人",
    r"(?:和|跟|与|與)(?:真人|客服|人工)(?:说话|說話|聊|谈|談|沟通|溝通)",
]
_JA = [
    r"オペレーター", r"オペレータ(?:に|と|を)", r"担当者(?:に|と|を|へ)", r"人間(?:に|と|を|の方)",
    r"(?:人|スタッフ|係の方)と話(?:したい|させて|せますか)",
]
_ID = [
    r"\b(?:bicara|berbicara|ngobrol|bercakap)\s+(?:dengan|sama|ke)\s+(?:orang|manusia|agen|petugas|operator|cs|"
    r"customer\s+service)\b",
    r"\b(?:sambungkan|hubungkan|alihkan)\s+(?:saya\s+)?(?:ke|dengan)\s+(?:orang|manusia|agen|petugas|operator|cs)\b",
    r"\b(?:mau|ingin|minta)\s+(?:agen|petugas|operator|manusia|cs)\b",
]
_PATTERNS = [re.compile(p, re.IGNORECASE) for p in (*_EN, *_ZH, *_JA, *_ID)]
# Questions about whether a person is there are not requests for one.
_NOT_A_REQUEST = re.compile(
    r"^\W*(?:is|are)\s+(?:this|you|there)\s+(?:a\s+)?(?:real\s+)?(?:person|human|bot|robot)\b.*\?\W*$",
    re.IGNORECASE,
)


def asks_for_person(text: str) -> bool:
    """True when the customer explicitly asks to be put through to a person (en, zh, ja, id)."""
    sample = text.strip()[:2000]
    if not sample or _NOT_A_REQUEST.match(sample):
        return False
    return any(p.search(sample) for p in _PATTERNS)


# A question about when people are there ("what hours are real people available in chat?", 人工客服几点上班？)
# asks for the hours, not for a person now: the help centre answers it. An explicit request still wins.
_HOURS = re.compile(
    r"\b(?:what|which)\s+(?:hours|times?|days)\b|\bwhen\b.{0,40}\b(?:available|open|online|reachable|working)\b|"
    r"\b(?:opening|office|business|support|chat)\s+hours\b|"
    r"几点|什么时候|营业时间|服务时间|工作时间|何時|営業時間|受付時間|対応時間|"
    r"\bjam\s+(?:berapa|buka|operasional|layanan|kerja)\b|\bkapan\b",
    re.IGNORECASE,
)


def asks_about_hours(text: str) -> bool:
    """True when the customer asks when people are available, and does not also ask to be put through now."""
    sample = text.strip()[:2000]
    return bool(sample) and bool(_HOURS.search(sample)) and not asks_for_person(sample)
