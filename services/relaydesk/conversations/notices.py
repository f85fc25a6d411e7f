"""What the customer is told by the conversations processor itself: outside office hours, when someone will
answer. (The hand-off reply from generation already told them a person is coming.)"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

_AFTER_HOURS: dict[str, str] = {
    "en": "Our team is available {hours}. Your conversation is in the queue, and someone will answer by {when}.",
    "zh": "我们的客服工作时间为 {hours}。您的对话已在排队中，客服将在 {when} 之前回复您。",
    "ja": "担当者の対応時間は {hours} です。会話は順番待ちに入りました。{when} までに担当者がお答えします。",
    "id": "Tim kami tersedia {hours}. Percakapan Anda sudah masuk antrean, dan akan dijawab paling lambat {when}.",
}


def after_hours_notice(lang: str | None, hours: str, answer_by: datetime, tz: str) -> str:
    base = (lang or "en").split("-")[0].lower()
    template = _AFTER_HOURS.get(base, _AFTER_HOURS["en"])
    when = answer_by.astimezone(ZoneInfo(tz)).strftime("%a %d %b %H:%M") + f" ({tz})"
    return template.format(hours=hours, when=when)
