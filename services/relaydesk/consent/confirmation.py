"""What the bot says when a customer revokes consent: one confirmation, and no more pitch (FCC 24-18 allows a
single confirmation). Shared by generation (the reply path) so the words are the same on every channel."""

from __future__ import annotations

from relaydesk.consent.revocation import detect_revocation
from relaydesk.events.conversation import TurnBody

# Channels where the conversation is (or may be) outbound marketing, so a revocation ends it.
OPT_OUT_CHANNELS = frozenset({"outbound", "sms", "voice", "whatsapp"})

_CONFIRMATION = {
    "en": "Understood. We won't contact you again: your number has been removed from all our calling and "
          "messaging lists. Thank you, and goodbye.",
    "zh": "明白了。我们不会再联系您，您的号码已从我们所有的呼叫和短信名单中移除。谢谢，再见。",
    "ja": "承知しました。今後ご連絡することはありません。お客様の番号をすべての発信・送信リストから削除しました。"
          "ありがとうございました。",
    "id": "Baik. Kami tidak akan menghubungi Anda lagi: nomor Anda sudah dihapus dari semua daftar panggilan dan "
          "pesan kami. Terima kasih.",
}


def is_opt_out_turn(turn: TurnBody) -> bool:
    return turn.speaker == "customer" and turn.channel in OPT_OUT_CHANNELS and detect_revocation(turn.text) is not None


def opt_out_confirmation(lang: str | None) -> str:
    found = (lang or "en").split("-")[0].lower()
    return _CONFIRMATION.get(found, _CONFIRMATION["en"])
